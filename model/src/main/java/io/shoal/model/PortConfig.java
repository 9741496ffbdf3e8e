package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Objects;

/**
 * A port of a service: the {@code targetPort} its tasks listen on and, when published, the {@code
 * publishedPort} every node (ingress) or the task's node (host) answers on. A published port of 0
 * means "not published".
 */
public record PortConfig(String name, Protocol protocol, int targetPort, int publishedPort, PublishMode publishMode) {

    public PortConfig {
        protocol = Objects.requireNonNullElse(protocol, Protocol.TCP);
        publishMode = Objects.requireNonNullElse(publishMode, PublishMode.INGRESS);
        name = name == null ? "" : name;
        checkPort("targetPort", targetPort, false);
        checkPort("publishedPort", publishedPort, true);
    }

    /** A TCP port published in ingress mode, as {@code -p published:target}. */
    public static PortConfig ingress(int publishedPort, int targetPort) {
        return new PortConfig("", Protocol.TCP, targetPort, publishedPort, PublishMode.INGRESS);
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
