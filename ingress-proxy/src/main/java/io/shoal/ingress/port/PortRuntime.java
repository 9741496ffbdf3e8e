package io.shoal.ingress.port;

import io.shoal.ingress.balance.BackendPool;
import io.shoal.ingress.metrics.PortMetrics;
import io.shoal.ingress.policy.PortKey;
import io.shoal.ingress.policy.PortPolicy;
import io.shoal.ingress.transport.Transport;
import java.util.Objects;

/**
 * One published port as its handlers see it: the backend pool, the current policy (swapped on
 * table updates; each connection reads it once when it starts), the metrics and the transport.
 */
public final class PortRuntime {
    private final PortKey key;
    private final BackendPool pool;
    private final PortMetrics metrics;
    private final Transport transport;
    private volatile PortPolicy policy;
    private volatile boolean transparent;

    /** The runtime of port {@code key} with its pool, counters, transport and first policy. */
    public PortRuntime(PortKey key, BackendPool pool, PortMetrics metrics, Transport transport, PortPolicy policy) {
        this.key = Objects.requireNonNull(key, "key");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    /** The published port. */
    public PortKey key() {
        return key;
    }

    /** The backends of the port. */
    public BackendPool pool() {
        return pool;
    }

    /** The counters of the port. */
    public PortMetrics metrics() {
        return metrics;
    }

    /** The transport outbound channels are made with. */
    public Transport transport() {
        return transport;
    }

    /** The current policy; a connection reads it once when it starts. */
    public PortPolicy policy() {
        return policy;
    }

    /**
     * True when new connections reach their backend from the client's own address (a local-only
     * port on a mesh built with {@code transparentLocal}); a connection reads it once when it starts.
     */
    public boolean transparent() {
        return transparent;
    }

    /** Whether new connections connect from the client's address. */
    public void transparent(boolean value) {
        transparent = value;
    }

    /** Installs the policy new connections will use. */
    public void policy(PortPolicy next) {
        policy = Objects.requireNonNull(next, "policy");
    }
}
