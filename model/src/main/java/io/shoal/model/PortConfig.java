package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A port of a service: the {@code targetPort} its tasks listen on and, when published, the {@code
 * publishedPort} every node (ingress) or the task's node (host) answers on. A published port of 0
 * means "not published". {@code trafficPolicy} says whether a node forwards to any ready task
 * ({@link TrafficPolicy#CLUSTER}, the default) or only to its own ({@link TrafficPolicy#LOCAL}); it
 * is left out of the JSON when it is the default.
 *
 * <p>PROXY protocol (TCP ports only, both off by default and then left out of the JSON): {@code
 * proxyProtocol} is the header the mesh sends to the task first ({@code none}, {@code v1}, {@code
 * v2}); {@code trustedProxies} lists the sources (IPv4 CIDRs, e.g. an external load balancer's
 * {@code 198.18.1.0/24}; a bare address means /32) whose own PROXY header the mesh accepts and
 * whose carried client address it passes on. A trusted source must send a header; an untrusted
 * source that sends one is refused.
 */
public record PortConfig(
        String name,
        Protocol protocol,
        int targetPort,
        int publishedPort,
        PublishMode publishMode,
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = TrafficPolicy.OmitDefault.class)
                TrafficPolicy trafficPolicy,
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = ProxyProtocolVersion.OmitDefault.class)
                ProxyProtocolVersion proxyProtocol,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> trustedProxies) {

    public PortConfig {
        protocol = Objects.requireNonNullElse(protocol, Protocol.TCP);
        publishMode = Objects.requireNonNullElse(publishMode, PublishMode.INGRESS);
        trafficPolicy = Objects.requireNonNullElse(trafficPolicy, TrafficPolicy.CLUSTER);
        name = name == null ? "" : name;
        checkPort("targetPort", targetPort, false);
        checkPort("publishedPort", publishedPort, true);
        proxyProtocol = Objects.requireNonNullElse(proxyProtocol, ProxyProtocolVersion.NONE);
        trustedProxies = normalizeTrusted(trustedProxies);
        if (protocol != Protocol.TCP && proxyProtocol != ProxyProtocolVersion.NONE) {
            throw new IllegalArgumentException("proxyProtocol: " + proxyProtocol.json()
                    + " is for TCP ports only, port " + targetPort + " is " + protocol.json());
        }
        if (protocol != Protocol.TCP && !trustedProxies.isEmpty()) {
            throw new IllegalArgumentException("trustedProxies: PROXY headers are accepted on TCP ports only, port "
                    + targetPort + " is " + protocol.json());
        }
    }

    /** A port with the default PROXY settings (none sent, none accepted). */
    public PortConfig(
            String name,
            Protocol protocol,
            int targetPort,
            int publishedPort,
            PublishMode publishMode,
            TrafficPolicy trafficPolicy) {
        this(name, protocol, targetPort, publishedPort, publishMode, trafficPolicy, null, null);
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
        return new PortConfig(
                name, protocol, targetPort, publishedPort, publishMode, value, proxyProtocol, trustedProxies);
    }

    /** A copy that sends another PROXY header to tasks (null: none). */
    public PortConfig withProxyProtocol(ProxyProtocolVersion value) {
        return new PortConfig(
                name, protocol, targetPort, publishedPort, publishMode, trafficPolicy, value, trustedProxies);
    }

    /** A copy that accepts PROXY headers from other sources (null or empty: from none). */
    public PortConfig withTrustedProxies(List<String> value) {
        return new PortConfig(
                name, protocol, targetPort, publishedPort, publishMode, trafficPolicy, proxyProtocol, value);
    }

    /** A copy with another published port (the allocator's choice), every other field kept. */
    public PortConfig withPublishedPort(int value) {
        return new PortConfig(
                name, protocol, targetPort, value, publishMode, trafficPolicy, proxyProtocol, trustedProxies);
    }

    /** True when this port accepts a PROXY header from some source. */
    @JsonIgnore
    public boolean acceptsProxyProtocol() {
        return !trustedProxies.isEmpty();
    }

    /** {@code trustedProxies} as parsed values. */
    @JsonIgnore
    public List<Cidr> trustedProxyCidrs() {
        return trustedProxies.stream().map(t -> Cidr.parse("trustedProxies", t)).toList();
    }

    @JsonIgnore
    public boolean isPublished() {
        return publishedPort != 0;
    }

    /** Each entry parsed (errors name {@code trustedProxies[i]}), a bare address made /32, no duplicates. */
    private static List<String> normalizeTrusted(List<String> value) {
        if (value == null || value.isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            String field = "trustedProxies[" + i + "]";
            String text = value.get(i);
            if (text == null || text.isBlank()) {
                throw new IllegalArgumentException(
                        field + ": must be an IPv4 CIDR such as 198.18.1.0/24, got '" + text + "'");
            }
            String t = text.trim();
            Cidr c = Cidr.parse(field, t.contains("/") ? t : t + "/32");
            String norm = c.toString();
            if (out.contains(norm)) {
                throw new IllegalArgumentException(field + ": '" + t + "' is listed twice");
            }
            out.add(norm);
        }
        return List.copyOf(out);
    }

    private static void checkPort(String field, int port, boolean zeroAllowed) {
        if (port < (zeroAllowed ? 0 : 1) || port > 65535) {
            throw new IllegalArgumentException(
                    field + ": " + port + " is outside " + (zeroAllowed ? "0" : "1") + "..65535");
        }
    }
}
