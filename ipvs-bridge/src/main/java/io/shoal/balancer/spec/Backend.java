package io.shoal.balancer.spec;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * One destination of a virtual service: a task's address and port.
 *
 * @param address the task's IP address (same family as the service's VIP)
 * @param port the task's port 1..65535, or 0 for a service on all ports (keep the client's port)
 * @param weight share of new connections relative to the other backends, 0..{@value #MAX_WEIGHT};
 *     0 takes no new connections (IPVS quiescing)
 * @param draining true while the backend leaves: no new connections, existing flows continue
 */
public record Backend(InetAddress address, int port, int weight, boolean draining) {
    /** Largest accepted weight (IPVS accepts larger, but a weight ratio beyond this is noise). */
    public static final int MAX_WEIGHT = 10_000;

    public Backend {
        Objects.requireNonNull(address, "backend.address must not be null");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("backend.port must be 0..65535 (0 only for all-ports services), was "
                    + port + " for " + IpLiterals.format(address));
        }
        if (weight < 0 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("backend.weight must be 0.." + MAX_WEIGHT + ", was " + weight + " for "
                    + IpLiterals.format(address));
        }
    }

    /** An active backend of weight 1. */
    public static Backend of(InetAddress address, int port) {
        return new Backend(address, port, 1, false);
    }

    /** An active backend of weight 1, from an IP literal. */
    public static Backend of(String address, int port) {
        return of(IpLiterals.parse(address, "backend.address"), port);
    }

    /** This backend with another weight. */
    public Backend withWeight(int newWeight) {
        return new Backend(address, port, newWeight, draining);
    }

    /** This backend, draining: it takes no new connections while existing ones continue. */
    public Backend asDraining() {
        return new Backend(address, port, weight, true);
    }

    /** True when the backend may take new connections. */
    public boolean active() {
        return !draining && weight > 0;
    }

    /** True for an IPv6 backend. */
    public boolean isIpv6() {
        return address instanceof Inet6Address;
    }

    /** {@code 198.18.0.11:8080} or {@code [2001:db8::1]:8080}; identifies the backend within a service. */
    public String endpoint() {
        String a = IpLiterals.format(address);
        return (isIpv6() ? "[" + a + "]" : a) + ":" + port;
    }
}
