package io.shoal.controlplane;

import io.shoal.controlplane.status.TaskStatusReporter;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Store;
import io.shoal.model.Task;
import io.shoal.model.TaskState;
import io.shoal.model.TaskStatus;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Simulated agents for every node: they watch the tasks in a store and report, through the real
 * {@link TaskStatusReporter}, RUNNING for an assigned task (FAILED when its image starts with
 * "bad") and SHUTDOWN for a task told to stop. They also record the lowest number of tasks of a
 * service seen running at once.
 */
public final class SimAgents implements AutoCloseable {
    private final Store store;
    private final TaskStatusReporter reporter;
    private final ExecutorService worker = Executors.newSingleThreadExecutor();
    private final Map<String, TaskState> reported = new ConcurrentHashMap<>();
    private final Map<String, Instant> runningSince = new ConcurrentHashMap<>();
    private final AtomicInteger minRunning = new AtomicInteger(Integer.MAX_VALUE);
    private final String watchedService;
    private final Store.Subscription subscription;
    private volatile boolean counting;

    /** Starts reporting for the tasks of {@code store}; counts running tasks of {@code watchedService}. */
    public SimAgents(Store store, String watchedService) {
        this.store = store;
        this.reporter = new TaskStatusReporter(store);
        this.watchedService = watchedService;
        this.subscription = store.listen(Kind.TASKS, e -> {
            if (e.after() != null) {
                Task t = e.after().value();
                worker.execute(() -> react(t));
            }
        });
        store.list(Kind.TASKS).forEach(t -> worker.execute(() -> react(t)));
    }

    private void react(Task t) {
        TaskState had = reported.get(t.id());
        try {
            if (t.desiredState() != TaskState.RUNNING) {
                if (had == null || !had.isTerminal()) {
                    report(t, TaskState.SHUTDOWN);
                }
            } else if (had == null && !t.nodeId().isEmpty() && t.status().state() == TaskState.ASSIGNED) {
                boolean bad = t.spec().container().image().startsWith("bad");
                report(t, bad ? TaskState.FAILED : TaskState.RUNNING);
            }
        } catch (RuntimeException e) {
            // A leader change or a conflicting write: the next event retries.
        }
    }

    private void report(Task t, TaskState state) {
        Instant at = Instant.now();
        if (state == TaskState.RUNNING) {
            runningSince.put(t.id(), at); // before the write: the leader may react at once
        }
        reporter.report(t.id(), TaskStatus.of(state, at, "simulated"));
        reported.put(t.id(), state);
        if (counting && t.serviceId().equals(watchedService)) {
            int running = (int) reported.entrySet().stream()
                    .filter(en ->
                            en.getValue() == TaskState.RUNNING && en.getKey().startsWith(watchedService + "."))
                    .count();
            minRunning.accumulateAndGet(running, Math::min);
        }
    }

    /** From now on, track the lowest number of running tasks of the watched service. */
    public void startCounting() {
        worker.execute(() -> counting = true);
    }

    /** The lowest number of running tasks seen since {@link #startCounting}. */
    public int minRunning() {
        return minRunning.get();
    }

    /** When a task was reported RUNNING, or null. */
    public Instant runningSince(String taskId) {
        return runningSince.get(taskId);
    }

    @Override
    public void close() {
        subscription.close();
        worker.shutdownNow();
    }
}
