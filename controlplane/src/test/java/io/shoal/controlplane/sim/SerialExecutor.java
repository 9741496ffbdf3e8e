package io.shoal.controlplane.sim;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs what it is given one at a time and in order, on a pool shared with others: a hundred
 * simulated agents keep the order each needs (its reports; its ZooKeeper client's cache events)
 * on a few threads instead of a hundred.
 */
final class SerialExecutor implements Executor {
    private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);

    private final Executor pool;
    private final BooleanSupplier open;
    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();

    /**
     * @param pool the shared threads
     * @param open false once nothing more should run (what is queued then is dropped)
     */
    SerialExecutor(Executor pool, BooleanSupplier open) {
        this.pool = pool;
        this.open = open;
    }

    @Override
    public void execute(Runnable r) {
        queue.add(r);
        if (draining.compareAndSet(false, true)) {
            pool.execute(this::drain);
        }
    }

    private void drain() {
        try {
            Runnable r;
            while (open.getAsBoolean() && (r = queue.poll()) != null) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    log.warn("sim: a queued task failed: {}", e.toString());
                }
            }
        } finally {
            draining.set(false);
            if (open.getAsBoolean() && !queue.isEmpty() && draining.compareAndSet(false, true)) {
                pool.execute(this::drain);
            }
        }
    }
}
