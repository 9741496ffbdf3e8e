package io.shoal.ingress.policy;

import io.shoal.model.Protocol;
import java.util.Objects;

/** A published port and its protocol: what a listener and its policy and metrics are keyed by. */
public record PortKey(int port, Protocol protocol) {
    public PortKey {
        Objects.requireNonNull(protocol, "protocol");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("published port: " + port + " is outside 1..65535");
        }
    }

    /** TCP port {@code port}. */
    public static PortKey tcp(int port) {
        return new PortKey(port, Protocol.TCP);
    }

    /** UDP port {@code port}. */
    public static PortKey udp(int port) {
        return new PortKey(port, Protocol.UDP);
    }

    @Override
    public String toString() {
        return port + "/" + protocol.json();
    }
}
