package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * A port of a service: the {@code targetPort} its tasks listen on and, when published, the {@code
 * publishedPort} every node (ingress) or the task's node (host) answers on. A published port of 0
 * means "not published". {@code trafficPolicy} says whether a node forwards to any ready task
 * ({@link TrafficPolicy#CLUSTER}, the default) or only to its own ({@link TrafficPolicy#LOCAL}); it
 * is left out of the JSON when it is the default.
 */
public record PortConfig(
        String name,
        Protocol protocol,
        int targetPort,
        int publishedPort,
        PublishMode publishMode,
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = TrafficPolicy.OmitDefault.class)
                TrafficPolicy trafficPolicy) {

    public PortConfig {
        protocol = Objects.requireNonNullElse(protocol, Protocol.TCP);
        publishMode = Objects.requireNonNullElse(publishMode, PublishMode.INGRESS);
        trafficPolicy = Objects.requireNonNullElse(trafficPolicy, TrafficPolicy.CLUSTER);
        name = name == null ? "" : name;
        checkPort("targetPort", targetPort, false);
        checkPort("publishedPort", publishedPort, true);
    }

    /** A port with the default traffic policy ({@link TrafficPolicy#CLUSTER}). */
    public PortConfig(String name, Protocol protocol, int targetPort, int publishedPort, PublishMode publishMode) {
        this(name, protocol, targetPort, publishedPort, publishMode, TrafficPolicy.CLUSTER);
    }

    /** A TCP port published in ingress mode, as {@code -p published:target}. */
    public static PortConfig ingress(int publishedPort, int targetPort) {
        return new PortConfig("", Protocol.TCP, targetPort, publishedPort, PublishMode.INGRESS);
    }

    /** A copy with another traffic policy (null: the default, {@link TrafficPolicy#CLUSTER}). */
    public PortConfig withTrafficPolicy(TrafficPolicy value) {
        return new PortConfig(name, protocol, targetPort, publishedPort, publishMode, value);
    }

    @JsonIgnore
    public boolean isPublished() {
        return publishedPort != 0;
    }

    private static void checkPort(String field, int port, boolean zeroAllowed) {
        if (port < (zeroAllowed ? 0 : 1) || port > 65535) {
            throw new IllegalArgumentException(
                    field + ": " + port + " is outside " + (zeroAllowed ? "0" : "1") + "..65535");
        }
    }
}
