package io.shoal.dns.netns;

import io.shoal.dns.transport.SocketNamespace;
import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.route.RouteNetlink;
import java.io.Closeable;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * A container's network namespace as a {@link SocketNamespace}: each socket is created on a
 * thread of its own that entered the namespace ({@link NetNs#run}), so the event loops that bind
 * and poll it afterwards never change namespace themselves.
 *
 * <p>Holds the namespace open (a descriptor) until {@link #close}: the namespace outlives its last
 * process as long as a binding in it may still be cleaned up.
 */
public final class NetNsSocketNamespace implements SocketNamespace, Closeable {
    private final NetNs ns;
    private final String description;

    private NetNsSocketNamespace(NetNs ns, String description) {
        this.ns = ns;
        this.description = description;
    }

    /**
     * Opens the namespace at {@code path}, e.g. {@code /proc/<pid>/ns/net} of a container or
     * {@code /run/netns/<name>}.
     *
     * @throws io.shoal.netlink.NetlinkException naming the path and errno when it cannot be opened
     */
    public static NetNsSocketNamespace openPath(Path path) {
        if (path == null) {
            throw new IllegalArgumentException("netns path must not be null (e.g. /proc/<pid>/ns/net)");
        }
        return new NetNsSocketNamespace(NetNs.openPath(path), "netns " + path);
    }

    @Override
    public <T> T open(Supplier<T> opener) {
        return ns.run(opener::get);
    }

    /**
     * Sets {@code lo} up: a namespace made by {@code ip netns add} starts with it down, and
     * 127.0.0.11 is reachable only through it (127.0.0.0/8 is local on {@code lo}).
     */
    public void bringUpLoopback() {
        try (RouteNetlink rt = RouteNetlink.open(ns)) {
            rt.links().setUp("lo");
        }
    }

    /**
     * A path naming this namespace while it is open, even after every process in it has gone:
     * this JVM's descriptor under {@code /proc/<pid>/fd}. Tools run in the namespace through it
     * ({@code nsenter --net=<path>}).
     */
    public Path descriptorPath() {
        return Path.of("/proc", Long.toString(ProcessHandle.current().pid()), "fd", Integer.toString(ns.fd()));
    }

    @Override
    public void close() {
        ns.close();
    }

    @Override
    public String toString() {
        return description;
    }
}
