package io.shoal.ingress.balance;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One task behind a published port, at its address on the ingress network and the port's target
 * port. It counts its open connections (for least-connections) and tracks their channels so that a
 * drain can close what is left when its timeout passes.
 */
public final class Backend {
    private final InetSocketAddress address;
    private final String taskId;
    private final AtomicInteger active = new AtomicInteger();
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;

    /** A backend at {@code address} (resolved) serving task {@code taskId}. */
    public Backend(InetSocketAddress address, String taskId) {
        if (address == null || address.isUnresolved()) {
            throw new IllegalArgumentException("backend address must be a resolved socket address, got " + address);
        }
        this.address = address;
        this.taskId = taskId == null ? "" : taskId;
    }

    /** Where the proxy connects: the task's ingress address and the target port. */
    public InetSocketAddress address() {
        return address;
    }

    /** The task behind this backend (empty when unknown). */
    public String taskId() {
        return taskId;
    }

    /** Stable key for consistent hashing: the backend's address and port. */
    public String key() {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    /** Connections picked for this backend and not yet ended (including those still connecting). */
    public int activeConnections() {
        return active.get();
    }

    /** Counts a new connection; pair with {@link #release()}. */
    public void acquire() {
        active.incrementAndGet();
    }

    /** Gives back a connection counted by {@link #acquire()}. */
    public void release() {
        active.decrementAndGet();
    }

    /**
     * Tracks a client-side channel served by this backend until it closes, and releases the
     * connection count then.
     */
    public void track(Channel channel) {
        channels.add(channel);
        channel.closeFuture().addListener(f -> {
            channels.remove(channel);
            release();
        });
    }

    /** Open channels served by this backend (a copy). */
    public Set<Channel> openChannels() {
        return Set.copyOf(channels);
    }

    /** True once the backend left the table: it takes no new connections. */
    public boolean isDraining() {
        return draining;
    }

    void draining(boolean value) {
        draining = value;
    }

    /** Closes every channel still open on this backend (the drain timeout passed). */
    public int closeAll() {
        Set<Channel> open = openChannels();
        open.forEach(Channel::close);
        return open.size();
    }

    @Override
    public String toString() {
        return "Backend{" + key() + (taskId.isEmpty() ? "" : " task " + taskId) + (draining ? " draining" : "") + "}";
    }
}
