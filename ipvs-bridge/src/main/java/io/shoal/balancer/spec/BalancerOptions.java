package io.shoal.balancer.spec;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings shared by every service of one balancer.
 *
 * @param tcpIdleTimeout how long an idle established TCP connection through a VIP is remembered
 *     by conntrack/IPVS. Default 86,400 s (one day, kube-proxy's choice): far above Linux's
 *     7,200 s keepalive, so an idle connection with keepalive never silently breaks, as it does
 *     with Swarm's fixed 900 s IPVS timeout.
 * @param udpIdleTimeout how long an idle UDP flow is remembered once it has been active for more
 *     than two seconds (the kernel's "stream" state). Default 120 s, the kernel's own value. A
 *     shorter exchange (one DNS query and its answer) is forgotten after min(30 s, this value).
 * @param drainTimeout how long the existing connections of a backend that stopped taking new
 *     ones (draining, weight 0 or removed) may continue; after it their next packet is refused.
 *     Default 30 s (Kubernetes' termination grace period). Whole seconds; 0 cuts at once.
 * @param consistentHashTableSize slots of a CONSISTENT_HASH lookup table; a prime. Default 251:
 *     even to ±1 slot, ±4% of traffic with 10 backends, and small enough for 1,000 services.
 */
public record BalancerOptions(
        Duration tcpIdleTimeout, Duration udpIdleTimeout, Duration drainTimeout, int consistentHashTableSize) {
    public static final Duration DEFAULT_TCP_IDLE = Duration.ofDays(1);
    public static final Duration DEFAULT_UDP_IDLE = Duration.ofSeconds(120);
    public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(30);
    public static final int DEFAULT_TABLE_SIZE = 251;

    public BalancerOptions {
        checkSeconds(tcpIdleTimeout, "tcpIdleTimeout");
        checkSeconds(udpIdleTimeout, "udpIdleTimeout");
        Objects.requireNonNull(drainTimeout, "drainTimeout must not be null");
        if (drainTimeout.isNegative() || drainTimeout.getNano() != 0 || drainTimeout.getSeconds() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "drainTimeout must be whole seconds in 0s.." + Integer.MAX_VALUE + "s, was " + drainTimeout);
        }
        if (consistentHashTableSize < 7 || consistentHashTableSize > 65_537 || !isPrime(consistentHashTableSize)) {
            throw new IllegalArgumentException(
                    "consistentHashTableSize must be a prime in 7..65537, was " + consistentHashTableSize);
        }
    }

    /** The documented defaults. */
    public static BalancerOptions defaults() {
        return new BalancerOptions(DEFAULT_TCP_IDLE, DEFAULT_UDP_IDLE, DEFAULT_DRAIN, DEFAULT_TABLE_SIZE);
    }

    public BalancerOptions withTcpIdleTimeout(Duration d) {
        return new BalancerOptions(d, udpIdleTimeout, drainTimeout, consistentHashTableSize);
    }

    public BalancerOptions withUdpIdleTimeout(Duration d) {
        return new BalancerOptions(tcpIdleTimeout, d, drainTimeout, consistentHashTableSize);
    }

    public BalancerOptions withDrainTimeout(Duration d) {
        return new BalancerOptions(tcpIdleTimeout, udpIdleTimeout, d, consistentHashTableSize);
    }

    public BalancerOptions withConsistentHashTableSize(int size) {
        return new BalancerOptions(tcpIdleTimeout, udpIdleTimeout, drainTimeout, size);
    }

    /** The idle timeout that applies to {@code service}: its own, else the default for its protocol. */
    public Duration idleTimeoutFor(VirtualService service) {
        return service.idleTimeout().orElse(service.protocol() == Protocol.TCP ? tcpIdleTimeout : udpIdleTimeout);
    }

    private static void checkSeconds(Duration d, String field) {
        Objects.requireNonNull(d, field + " must not be null");
        if (d.getSeconds() < 1 || d.getSeconds() > Integer.MAX_VALUE || d.getNano() != 0) {
            throw new IllegalArgumentException(
                    field + " must be whole seconds in 1s.." + Integer.MAX_VALUE + "s, was " + d);
        }
    }

    static boolean isPrime(int n) {
        if (n < 2) {
            return false;
        }
        for (int i = 2; (long) i * i <= n; i++) {
            if (n % i == 0) {
                return false;
            }
        }
        return true;
    }
}
