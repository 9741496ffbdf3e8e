package io.shoal.ingress.balance;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

/**
 * Chooses a backend for a new connection or flow. Implementations are built once per table
 * version off the event loop and are immutable apart from cheap atomic counters, so picking never
 * locks.
 */
public interface Balancer {
    /**
     * Picks a backend.
     *
     * @param client the client's address (after a trusted PROXY header, the real client)
     * @param exclude backends already tried for this connection (their connect failed)
     * @return the backend, or null when every backend is excluded or there is none
     */
    Backend pick(InetAddress client, Set<Backend> exclude);

    /** The backends this balancer chooses from, in table order. */
    List<Backend> backends();
}
