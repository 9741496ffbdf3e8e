package io.shoal.ingress.balance;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backends of one published port across table versions. Each {@link #update} builds a new
 * {@link Balancer} and swaps it in atomically; {@link Backend} objects live on across versions so
 * connection counts survive. A backend that leaves the table drains: it takes no new connections,
 * its open ones continue until they end or the drain timeout passes, then they are closed.
 */
public final class BackendPool {
    private static final Logger LOG = LoggerFactory.getLogger(BackendPool.class);

    /** A backend as the table describes it. */
    public record Target(InetSocketAddress address, String taskId) {}

    private final String name;
    private final ScheduledExecutorService scheduler;
    private final AtomicLong sequence = new AtomicLong();
    private final Map<InetSocketAddress, Backend> known = new ConcurrentHashMap<>();
    private final Map<Backend, ScheduledFuture<?>> drains = new ConcurrentHashMap<>();
    private volatile Balancer balancer = BalanceMode.ROUND_ROBIN.build(List.of(), sequence);

    /**
     * @param name the port this pool serves, for logs
     * @param scheduler runs drain timeouts
     */
    public BackendPool(String name, ScheduledExecutorService scheduler) {
        this.name = name;
        this.scheduler = scheduler;
    }

    /**
     * Installs a new backend set. Called by one thread at a time (the mesh's update), off the event
     * loops; pickers see either the old or the new balancer, never a mix.
     */
    public synchronized void update(List<Target> targets, BalanceMode mode, Duration drainTimeout) {
        List<Backend> next = new ArrayList<>(targets.size());
        Set<InetSocketAddress> wanted = new HashSet<>();
        for (Target t : targets) {
            if (!wanted.add(t.address())) {
                continue;
            }
            Backend b = known.computeIfAbsent(t.address(), a -> new Backend(a, t.taskId()));
            if (b.isDraining()) {
                b.draining(false);
                ScheduledFuture<?> timer = drains.remove(b);
                if (timer != null) {
                    timer.cancel(false);
                }
                LOG.info("{}: backend {} is back before its drain ended", name, b.key());
            }
            next.add(b);
        }
        balancer = mode.build(next, sequence);
        for (Backend b : List.copyOf(known.values())) {
            if (!wanted.contains(b.address()) && !b.isDraining()) {
                startDrain(b, drainTimeout);
            }
        }
    }

    /** Drains every backend, as when the port is unpublished. */
    public synchronized void drainAll(Duration drainTimeout) {
        balancer = BalanceMode.ROUND_ROBIN.build(List.of(), sequence);
        for (Backend b : List.copyOf(known.values())) {
            if (!b.isDraining()) {
                startDrain(b, drainTimeout);
            }
        }
    }

    private void startDrain(Backend b, Duration drainTimeout) {
        b.draining(true);
        LOG.info(
                "{}: backend {} left the table; draining {} connections for up to {}",
                name,
                b.key(),
                b.activeConnections(),
                drainTimeout);
        Runnable end = () -> {
            drains.remove(b);
            if (b.isDraining()) {
                known.remove(b.address(), b);
                int closed = b.closeAll();
                if (closed > 0) {
                    LOG.info(
                            "{}: drain timeout of {} closed {} connections on {}", name, drainTimeout, closed, b.key());
                }
            }
        };
        if (drainTimeout.isZero()) {
            end.run();
        } else {
            drains.put(b, scheduler.schedule(end, drainTimeout.toNanos(), TimeUnit.NANOSECONDS));
        }
    }

    /**
     * Picks a backend and counts the connection on it ({@link Backend#acquire()}); the caller
     * releases it through {@link Backend#track} or {@link Backend#release()} when the connect fails.
     *
     * @return the backend, or null when none is left to try
     */
    public Backend acquire(InetAddress client, Set<Backend> exclude) {
        for (int attempt = 0; attempt < 4; attempt++) {
            Backend b = balancer.pick(client, exclude);
            if (b == null) {
                return null;
            }
            b.acquire();
            if (!b.isDraining()) {
                return b;
            }
            // Lost a race with an update that started draining it: give the count back and re-pick.
            b.release();
        }
        return null;
    }

    /** The backends new connections may go to. */
    public List<Backend> active() {
        return balancer.backends();
    }

    /** Backends that left the table and still drain. */
    public List<Backend> draining() {
        return known.values().stream().filter(Backend::isDraining).toList();
    }
}
