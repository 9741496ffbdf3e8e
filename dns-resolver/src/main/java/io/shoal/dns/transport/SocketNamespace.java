package io.shoal.dns.transport;

import java.util.function.Supplier;

/**
 * Where a binding's sockets are created. A socket belongs to the network namespace of the thread
 * that creates it, for its whole life, wherever it is later bound or polled; so the DNS server can
 * serve every container from one event loop group as long as each container's sockets are
 * <em>created</em> inside that container's namespace.
 *
 * <p>{@link #HOST} creates them on the calling thread (the agent's own namespace; loopback tests).
 * The container implementation runs {@code opener} on a thread that has entered the container's
 * namespace with {@code setns(2)} (the netlink module's {@code NetNs}) and returns the channel.
 */
@FunctionalInterface
public interface SocketNamespace {
    /** Creates sockets in the caller's own namespace. */
    SocketNamespace HOST = new SocketNamespace() {
        @Override
        public <T> T open(Supplier<T> opener) {
            return opener.get();
        }

        @Override
        public String toString() {
            return "host";
        }
    };

    /**
     * Runs {@code opener}, which creates one socket (a Netty channel), inside this namespace and
     * returns what it made.
     */
    <T> T open(Supplier<T> opener);
}
