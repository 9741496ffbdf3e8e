package io.shoal.agent.net;

import io.shoal.balancer.ServiceBalancer;
import io.shoal.balancer.spec.DesiredState;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Programs the VIP rules of every wired task off the data plane's thread. Each change of the table
 * can touch every task's namespace (a new replica of one service is a new backend in all of them),
 * and one namespace costs an {@code nft} run; doing them inline would hold DNS, the mesh and the
 * wiring of new tasks behind a queue of kernel updates.
 *
 * <p>Per task, only the newest desired set matters: offers made while an apply runs coalesce into
 * one next apply, and a task's applies never overlap, so an older set can never land after a newer
 * one. A failed apply is retried with the next offer that differs from what is programmed.
 */
final class BalancerSync implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BalancerSync.class);

    private final String nodeId;
    private final ExecutorService pool;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();

    BalancerSync(String nodeId, int threads) {
        this.nodeId = nodeId;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "shoal-vips-" + nodeId + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Programs {@code desired} for a task now, on the caller's thread (a task is reported RUNNING
     * only once its VIPs work), and registers its balancer for later offers.
     */
    void applyNow(String taskId, ServiceBalancer balancer, DesiredState desired) {
        Slot slot = slots.computeIfAbsent(taskId, k -> new Slot(balancer));
        synchronized (slot) {
            while (slot.running) {
                try {
                    slot.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while task " + taskId + "'s VIPs were programmed");
                }
            }
            slot.running = true;
        }
        try {
            balancer.apply(desired);
            synchronized (slot) {
                slot.applied = desired;
            }
        } finally {
            synchronized (slot) {
                slot.running = false;
                slot.notifyAll();
                if (slot.pending != null) {
                    slot.running = true;
                    pool.execute(() -> drain(taskId, slot));
                }
            }
        }
    }

    /** Asks for {@code desired} in a task's namespace; returns at once. */
    void offer(String taskId, DesiredState desired) {
        Slot slot = slots.get(taskId);
        if (slot == null) {
            return;
        }
        synchronized (slot) {
            if (slot.closed || (slot.pending == null && desired.equals(slot.applied))) {
                return;
            }
            slot.pending = desired;
            if (!slot.running) {
                slot.running = true;
                pool.execute(() -> drain(taskId, slot));
            }
        }
    }

    /** Forgets a task and removes its rules (waits for an apply in flight). */
    void remove(String taskId) {
        Slot slot = slots.remove(taskId);
        if (slot == null) {
            return;
        }
        synchronized (slot) {
            slot.closed = true;
            slot.pending = null;
        }
        try {
            slot.balancer.close();
        } catch (Exception e) {
            log.debug("data plane {}: task {}: balancer close: {}", nodeId, taskId, e.toString());
        }
    }

    /** Number of tasks whose rules are not yet what was last offered (for tests and status). */
    int pending() {
        int n = 0;
        for (Slot s : slots.values()) {
            synchronized (s) {
                if (s.running || s.pending != null) {
                    n++;
                }
            }
        }
        return n;
    }

    private void drain(String taskId, Slot slot) {
        while (true) {
            DesiredState next;
            synchronized (slot) {
                next = slot.pending;
                slot.pending = null;
                if (next == null || slot.closed) {
                    slot.running = false;
                    slot.notifyAll();
                    return;
                }
            }
            try {
                slot.balancer.apply(next);
                synchronized (slot) {
                    slot.applied = next;
                }
            } catch (RuntimeException e) {
                log.warn(
                        "data plane {}: task {}: VIPs not programmed (retried with the next change): {}",
                        nodeId,
                        taskId,
                        e.toString());
            }
        }
    }

    /** Stops programming; the rules stay in the namespaces (the next agent adopts them). */
    @Override
    public void close() {
        pool.shutdownNow();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class Slot {
        final ServiceBalancer balancer;
        DesiredState pending;
        DesiredState applied;
        boolean running;
        boolean closed;

        Slot(ServiceBalancer balancer) {
            this.balancer = balancer;
        }
    }
}
