package io.shoal.dns.forward;

import io.shoal.dns.transport.SocketNamespace;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * How queries for names Shoal does not own are forwarded.
 *
 * @param servers upstream resolvers, tried in order (a failing one is skipped for {@code downFor})
 * @param attemptTimeout how long one upstream gets before the next is tried (default 700 ms)
 * @param budget how long a client waits in total before it gets SERVFAIL (default 1800 ms, so
 *     that with no upstream reachable the answer comes within 2 s; Docker waits up to 3 × 4 s)
 * @param maxInFlight cap on queries waiting for an upstream; beyond it new ones get SERVFAIL at
 *     once (default 4096)
 * @param downFor how long an upstream that timed out is tried last (default 5 s)
 * @param cache the cache of upstream answers
 * @param namespace where the forwarder's sockets are created (default {@link SocketNamespace#HOST},
 *     the agent's own namespace, where the host's resolvers are reachable)
 */
public record UpstreamConfig(
        List<InetSocketAddress> servers,
        Duration attemptTimeout,
        Duration budget,
        int maxInFlight,
        Duration downFor,
        CacheConfig cache,
        SocketNamespace namespace) {

    /** With the sockets in the caller's own namespace. */
    public UpstreamConfig(
            List<InetSocketAddress> servers,
            Duration attemptTimeout,
            Duration budget,
            int maxInFlight,
            Duration downFor,
            CacheConfig cache) {
        this(servers, attemptTimeout, budget, maxInFlight, downFor, cache, SocketNamespace.HOST);
    }

    public UpstreamConfig {
        if (servers == null) {
            throw new IllegalArgumentException("upstream servers must not be null (use an empty list)");
        }
        servers = List.copyOf(servers);
        if (servers.size() > 32) {
            throw new IllegalArgumentException("at most 32 upstream servers, got " + servers.size());
        }
        positive("attemptTimeout", attemptTimeout);
        positive("budget", budget);
        positive("downFor", downFor);
        if (maxInFlight < 1 || maxInFlight > 32768) {
            throw new IllegalArgumentException("maxInFlight must be within 1..32768, got " + maxInFlight);
        }
        if (cache == null) {
            throw new IllegalArgumentException("cache must not be null (use CacheConfig.DEFAULTS)");
        }
        if (namespace == null) {
            throw new IllegalArgumentException("namespace must not be null (use SocketNamespace.HOST)");
        }
    }

    /** The defaults above for the given servers. */
    public static UpstreamConfig of(List<InetSocketAddress> servers) {
        return new UpstreamConfig(
                servers,
                Duration.ofMillis(700),
                Duration.ofMillis(1800),
                4096,
                Duration.ofSeconds(5),
                CacheConfig.DEFAULTS);
    }

    public UpstreamConfig withTimeouts(Duration attemptTimeout, Duration budget) {
        return new UpstreamConfig(servers, attemptTimeout, budget, maxInFlight, downFor, cache, namespace);
    }

    public UpstreamConfig withCache(CacheConfig c) {
        return new UpstreamConfig(servers, attemptTimeout, budget, maxInFlight, downFor, c, namespace);
    }

    /** Forwarder sockets created in {@code ns} (e.g. a node namespace in the testbed). */
    public UpstreamConfig withNamespace(SocketNamespace ns) {
        return new UpstreamConfig(servers, attemptTimeout, budget, maxInFlight, downFor, cache, ns);
    }

    private static void positive(String field, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(field + " must be a positive duration, got " + d);
        }
    }
}
