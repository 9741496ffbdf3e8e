package io.shoal.agent.worker;

import io.shoal.agent.exec.Executor;
import io.shoal.agent.exec.ExecutorException;
import io.shoal.agent.exec.Health;
import io.shoal.agent.exec.Managed;
import io.shoal.agent.exec.TaskRuntime;
import io.shoal.controlplane.Lifecycle;
import io.shoal.controlplane.status.TaskStatusReporter;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Store;
import io.shoal.controlplane.store.StoreException;
import io.shoal.model.Task;
import io.shoal.model.TaskState;
import io.shoal.model.TaskStatus;
import java.io.Closeable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's task lifecycle: watches the tasks assigned to its node in the store's view, runs those
 * the control plane wants RUNNING through an {@link Executor}, stops those it wants SHUTDOWN, and
 * reports what it observes to {@code /shoal/status/<task>} through {@link TaskStatusReporter},
 * forward only: ACCEPTED → PREPARING → STARTING → RUNNING, then COMPLETE, FAILED (with the exit
 * code) or SHUTDOWN.
 *
 * <p>A task with a health check stays STARTING until its check passes and FAILS when it turns
 * unhealthy (its runtime is stopped), as in Swarm: RUNNING means running and healthy.
 *
 * <p><b>Static stability.</b> While ZooKeeper is unreachable the worker keeps its tasks running and
 * keeps observing them; reports wait in memory and are written on reconnect. Nothing is stopped for
 * lack of ZooKeeper: only a task the (connected) view shows as gone or SHUTDOWN is stopped.
 *
 * <p><b>Restart recovery.</b> At start the worker lists the executor's runtimes for its node and
 * adopts them: a running container of a task that should run is kept, not recreated.
 *
 * <p>All decisions run on one thread; store and executor events only enqueue work, and a periodic
 * pass (every {@code resync}) inspects every task, so a missed event costs at most one period. Stops
 * run on their own threads, since they may wait a whole grace period.
 */
public final class Worker implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    private final Store store;
    private final Executor executor;
    private final String nodeId;
    private final Duration resync;
    private final Clock clock;
    private final TaskStatusReporter reporter;
    private final TaskNetworking networking;
    private final Lifecycle lifecycle = new Lifecycle("worker");
    private final Map<String, LocalTask> locals = new HashMap<>();
    /** Runtime id → task id, read from event threads. */
    private final Map<String, String> taskOfRuntime = new ConcurrentHashMap<>();

    private final ScheduledExecutorService loop;
    private final ExecutorService stoppers;
    private final List<AutoCloseable> subscriptions = new ArrayList<>();

    /**
     * @param store the agent's started store (its view of the cluster)
     * @param executor runs the tasks
     * @param nodeId this node
     * @param resync how often every task is inspected and pending reports retried
     * @param clock timestamps of reports
     */
    public Worker(Store store, Executor executor, String nodeId, Duration resync, Clock clock) {
        this(store, executor, nodeId, resync, clock, TaskNetworking.NONE);
    }

    /**
     * @param networking wires each task's namespace before it is reported RUNNING
     */
    public Worker(
            Store store, Executor executor, String nodeId, Duration resync, Clock clock, TaskNetworking networking) {
        this.store = store;
        this.networking = networking;
        this.executor = executor;
        this.nodeId = nodeId;
        this.resync = resync;
        this.clock = clock;
        this.reporter = new TaskStatusReporter(store);
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "shoal-worker-" + nodeId));
        this.stoppers = Executors.newCachedThreadPool(r -> daemon(r, "shoal-stopper-" + nodeId));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Adopts this node's runtimes, then follows the store and the executor. */
    public void start() {
        lifecycle.start();
        try {
            loop.submit(this::adopt).get();
        } catch (Exception e) {
            throw new IllegalStateException("worker " + nodeId + ": cannot adopt existing runtimes: " + e, e);
        }
        // The current task set is known now: what the networking made for any other task (gone
        // while the agent was down) goes first, before the first pass, without holding up the start.
        post(() -> sweep("startup"));
        subscriptions.add(store.listen(Kind.TASKS, e -> enqueue(e.id())));
        subscriptions.add(executor.watch(runtimeId -> {
            String task = taskOfRuntime.get(runtimeId);
            if (task != null) {
                enqueue(task);
            }
        }));
        loop.scheduleWithFixedDelay(this::guardedPass, 0, resync.toMillis(), TimeUnit.MILLISECONDS);
        log.info(
                "worker {}: started with the {} executor, {} runtime(s) adopted",
                nodeId,
                executor.kind(),
                locals.size());
    }

    /**
     * Stops following the store; the tasks keep running (an agent restart adopts them). Call {@link
     * #stopAll} first to stop them instead.
     */
    @Override
    public void close() {
        if (!lifecycle.close()) {
            return;
        }
        for (AutoCloseable s : subscriptions) {
            try {
                s.close();
            } catch (Exception e) {
                log.debug("worker {}: closing a subscription", nodeId, e);
            }
        }
        // Let a launch in progress finish (an interrupted one would report a false failure); a task
        // left half-made is picked up again by the next agent's adoption.
        loop.shutdown();
        try {
            if (!loop.awaitTermination(10, TimeUnit.SECONDS)) {
                loop.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            loop.shutdownNow();
        }
        stoppers.shutdownNow();
    }

    /** The runtime ids of the tasks this worker runs, by task id (a snapshot, for tests and status). */
    public Map<String, String> runtimes() {
        try {
            return loop.submit(() -> {
                        Map<String, String> out = new HashMap<>();
                        locals.values().stream()
                                .filter(LocalTask::hasRuntime)
                                .forEach(l -> out.put(l.taskId, l.runtimeId));
                        return out;
                    })
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("worker " + nodeId + ": cannot read its runtimes: " + e, e);
        }
    }

    private void enqueue(String taskId) {
        if (lifecycle.state() == Lifecycle.State.STARTED) {
            post(() -> guarded(taskId));
        }
    }

    private void post(Runnable work) {
        try {
            loop.execute(work);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed meanwhile: the next agent's adoption and first pass take over
        }
    }

    // ---- on the worker thread ----

    private void adopt() {
        for (Managed m : executor.list()) {
            LocalTask existing = locals.get(m.taskId());
            if (existing != null) {
                // Two runtimes for one task cannot both be right: keep the first, drop the other.
                log.warn(
                        "worker {}: task {} has runtimes {} and {}; removing the second",
                        nodeId,
                        m.taskId(),
                        existing.runtimeId,
                        m.id());
                executor.remove(m.id());
                continue;
            }
            TaskStatus known =
                    knownStatus(m.taskId()).orElse(TaskStatus.of(TaskState.ACCEPTED, clock.instant(), "adopted"));
            LocalTask local = new LocalTask(m.taskId(), m.id(), known.withContainerId(m.id()), true);
            locals.put(m.taskId(), local);
            taskOfRuntime.put(m.id(), m.taskId());
            log.info("worker {}: adopted {} for task {} (last known {})", nodeId, m.id(), m.taskId(), known.state());
        }
    }

    private void guardedPass() {
        try {
            Set<String> ids = new HashSet<>(locals.keySet());
            for (Task t : store.list(Kind.TASKS)) {
                if (t.nodeId().equals(nodeId)) {
                    ids.add(t.id());
                }
            }
            for (String id : ids) {
                guarded(id);
            }
        } catch (RuntimeException e) {
            log.warn("worker {}: periodic pass failed", nodeId, e);
        }
        sweep("periodic");
    }

    /**
     * Asks the networking to remove what it made for tasks that have no runtime here any more: the
     * ones that went away while the agent was down (the startup sweep) and any whose detach was
     * missed (every pass). A failure is logged and retried by the next pass; it never stops the
     * worker.
     */
    private void sweep(String when) {
        Set<String> current = new HashSet<>();
        for (LocalTask l : locals.values()) {
            if (l.hasRuntime() || l.stopping) {
                current.add(l.taskId);
            }
        }
        try {
            networking.sweep(current);
        } catch (RuntimeException e) {
            log.warn(
                    "worker {}: {} sweep of gone tasks' networking failed (retried on the next pass): {}",
                    nodeId,
                    when,
                    e.toString());
        }
    }

    private void guarded(String taskId) {
        try {
            reconcile(taskId);
        } catch (RuntimeException e) {
            log.warn("worker {}: task {}: {}", nodeId, taskId, e.toString(), e);
        }
    }

    private void reconcile(String taskId) {
        Task task = store.get(Kind.TASKS, taskId).orElse(null);
        LocalTask local = locals.get(taskId);
        if (local != null) {
            flush(local);
        }
        if (task == null) {
            // Gone from the view. Only believe it while connected: a stale view proves nothing.
            if (local != null && store.connected() && !local.stopping) {
                if (local.hasRuntime()) {
                    stopAsync(local, Duration.ZERO, "its task was deleted");
                } else {
                    maybeForget(local, null);
                }
            }
            return;
        }
        if (!task.nodeId().equals(nodeId)) {
            return;
        }
        TaskState known = knownState(task, local);
        if (local == null) {
            startOrSettle(task, known);
            return;
        }
        if (local.stopping) {
            return;
        }
        if (!local.hasRuntime()) {
            maybeForget(local, task);
            return;
        }
        if (task.desiredState().compareTo(TaskState.RUNNING) > 0 || known.isTerminal()) {
            stopAsync(local, task.spec().container().stopGracePeriod(), "desired state " + task.desiredState());
            return;
        }
        observeRuntime(task, local);
    }

    /** No local runtime: start the task if it should run and never started, or record why not. */
    private void startOrSettle(Task task, TaskState known) {
        if (known.isTerminal()) {
            return;
        }
        boolean wanted = task.desiredState() == TaskState.RUNNING;
        if (!wanted) {
            if (known.compareTo(TaskState.ASSIGNED) >= 0) {
                LocalTask local = track(task.id(), "", TaskStatus.of(TaskState.ASSIGNED, clock.instant(), "assigned"));
                observe(local, TaskStatus.of(TaskState.SHUTDOWN, clock.instant(), "shut down before it started"));
            }
            return;
        }
        if (known.compareTo(TaskState.ASSIGNED) > 0) {
            // This node accepted it once, but its runtime is gone (removed while the agent was down).
            LocalTask local = track(task.id(), "", TaskStatus.of(known, clock.instant(), ""));
            observe(local, failed(local, "the task's " + executor.kind() + " runtime is gone from this node", -1));
            return;
        }
        if (known != TaskState.ASSIGNED) {
            return; // not scheduled yet
        }
        launch(task);
    }

    private void launch(Task task) {
        LocalTask local = track(task.id(), "", TaskStatus.of(TaskState.ASSIGNED, clock.instant(), "assigned"));
        observe(local, TaskStatus.of(TaskState.ACCEPTED, clock.instant(), "accepted by " + nodeId));
        observe(local, TaskStatus.of(TaskState.PREPARING, clock.instant(), "preparing"));
        String id;
        try {
            id = executor.prepare(task);
        } catch (RuntimeException e) {
            // Anything from the executor (its own refusals, an engine that stopped answering) ends
            // this task here; a task left PREPARING would hold its slot for ever.
            observe(local, new TaskStatus(TaskState.REJECTED, clock.instant(), "rejected", message(e), "", 0));
            return;
        }
        local.runtimeId = id;
        taskOfRuntime.put(id, task.id());
        observe(local, new TaskStatus(TaskState.STARTING, clock.instant(), "starting", "", id, 0));
        try {
            executor.start(id);
        } catch (RuntimeException e) {
            observe(local, failed(local, message(e), -1));
            stopAsync(local, Duration.ZERO, "it failed to start");
            return;
        }
        observeRuntime(task, local);
    }

    /** Turns what the executor sees into the task's state. */
    private void observeRuntime(Task task, LocalTask local) {
        Optional<TaskRuntime> found = executor.inspect(local.runtimeId);
        if (found.isEmpty()) {
            local.runtimeGone = true;
            observe(local, failed(local, "the " + executor.kind() + " runtime " + local.runtimeId + " vanished", -1));
            return;
        }
        TaskRuntime r = found.get();
        switch (r.phase()) {
            case CREATED -> executor.start(r.id()); // prepared before an agent restart: carry on
            case RUNNING -> {
                if (!local.wired && !wire(task, local, r)) {
                    return;
                }
                if (r.health() == Health.UNHEALTHY) {
                    observe(local, failed(local, "task: container unhealthy", 0));
                    stopAsync(local, task.spec().container().stopGracePeriod(), "it is unhealthy");
                } else if (r.health() == Health.STARTING) {
                    observe(local, status(local, TaskState.STARTING, "waiting for the health check"));
                } else {
                    observe(local, status(local, TaskState.RUNNING, "started"));
                }
            }
            case EXITED -> {
                if (r.exitCode() == 0) {
                    observe(local, status(local, TaskState.COMPLETE, "finished"));
                } else {
                    String why = "task: non-zero exit (" + r.exitCode() + ")"
                            + (r.error().isEmpty() ? "" : ": " + r.error());
                    observe(local, failed(local, why, r.exitCode()));
                }
                stopAsync(local, Duration.ZERO, "it ended");
            }
        }
    }

    /**
     * Wires a running task's namespace (also an adopted one: a restarted agent wires it again,
     * repairing what is there); on failure the task FAILS and is stopped.
     */
    private boolean wire(Task task, LocalTask local, TaskRuntime r) {
        try {
            networking.attach(task, r);
            local.wired = true;
            return true;
        } catch (RuntimeException e) {
            log.warn("worker {}: task {}: networking failed", nodeId, local.taskId, e);
            observe(local, failed(local, "task: networking: " + message(e), -1));
            stopAsync(local, Duration.ZERO, "its networking failed");
            return false;
        }
    }

    /** Records a new observation (if it moves the task forward) and tries to write it at once. */
    private void observe(LocalTask local, TaskStatus next) {
        if (next.state() == local.observed.state() || !local.observed.state().canMoveTo(next.state())) {
            return;
        }
        log.info(
                "worker {}: task {} {} → {}{}",
                nodeId,
                local.taskId,
                local.observed.state(),
                next.state(),
                next.error().isEmpty() ? "" : " (" + next.error() + ")");
        local.observed = next;
        local.reported = false;
        flush(local);
    }

    /** Writes the last observation if it has not reached ZooKeeper yet and ZooKeeper is reachable. */
    private void flush(LocalTask local) {
        if (local.reported || !store.connected()) {
            return;
        }
        try {
            reporter.report(local.taskId, local.observed);
            local.reported = true;
        } catch (IllegalStateException e) {
            // ZooKeeper already holds a later state (written before a restart): it wins.
            local.reported = true;
            log.info("worker {}: task {}: {}", nodeId, local.taskId, e.getMessage());
        } catch (StoreException e) {
            log.info(
                    "worker {}: task {}: report of {} deferred: {}",
                    nodeId,
                    local.taskId,
                    local.observed.state(),
                    e.getMessage());
        }
    }

    private void stopAsync(LocalTask local, Duration grace, String why) {
        local.stopping = true;
        String id = local.runtimeId;
        // A task that served traffic first leaves the endpoints (its state change already tells
        // every node), then waits for the nodes to stop sending it new requests, then gets SIGTERM.
        Duration leave = local.wired && grace.compareTo(Duration.ZERO) > 0 ? networking.leaveDelay() : Duration.ZERO;
        log.info("worker {}: stopping task {} ({}) because {}", nodeId, local.taskId, id, why);
        stoppers.execute(() -> {
            RuntimeException failure = null;
            try {
                if (!leave.isZero()) {
                    Thread.sleep(leave.toMillis());
                }
                executor.stop(id, grace);
                executor.remove(id);
                networking.detach(local.taskId);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = new IllegalStateException("interrupted while the task left its endpoints");
            } catch (RuntimeException e) {
                failure = e;
            }
            RuntimeException f = failure;
            post(() -> stopped(local, id, f));
        });
    }

    private void stopped(LocalTask local, String id, RuntimeException failure) {
        local.stopping = false;
        if (failure != null) {
            log.warn(
                    "worker {}: task {}: stopping {} failed; retrying on the next pass: {}",
                    nodeId,
                    local.taskId,
                    id,
                    failure.getMessage());
            return;
        }
        local.runtimeGone = true;
        taskOfRuntime.remove(id);
        if (!local.observed.state().isTerminal()) {
            observe(local, status(local, TaskState.SHUTDOWN, "shut down"));
        }
        maybeForget(local, store.get(Kind.TASKS, local.taskId).orElse(null));
    }

    private static String message(RuntimeException e) {
        return e instanceof ExecutorException ? e.getMessage() : e.toString();
    }

    private LocalTask track(String taskId, String runtimeId, TaskStatus initial) {
        LocalTask local = new LocalTask(taskId, runtimeId, initial, true);
        locals.put(taskId, local);
        return local;
    }

    /**
     * Drops a finished task once its end is written and the view shows it: forgetting earlier would
     * let a view that lags our own write offer the task for a second launch.
     */
    private void maybeForget(LocalTask local, Task task) {
        if (!local.reported || local.hasRuntime() || local.stopping) {
            return;
        }
        boolean settled =
                task == null ? store.connected() : knownState(task, null).isTerminal();
        if (settled) {
            forget(local);
        }
    }

    private void forget(LocalTask local) {
        locals.remove(local.taskId);
        if (!local.runtimeId.isEmpty()) {
            taskOfRuntime.remove(local.runtimeId);
        }
    }

    private TaskStatus status(LocalTask local, TaskState state, String message) {
        return new TaskStatus(state, clock.instant(), message, "", local.runtimeId, 0);
    }

    private TaskStatus failed(LocalTask local, String error, int exitCode) {
        return new TaskStatus(TaskState.FAILED, clock.instant(), "failed", error, local.runtimeId, exitCode);
    }

    /** The furthest state anyone recorded: the leader in the task, the agent's report, this worker. */
    private TaskState knownState(Task task, LocalTask local) {
        TaskState s = task.status().state();
        Optional<TaskStatus> reported = store.get(Kind.STATUS, task.id());
        if (reported.isPresent() && reported.get().state().compareTo(s) > 0) {
            s = reported.get().state();
        }
        if (local != null && local.observed.state().compareTo(s) > 0) {
            s = local.observed.state();
        }
        return s;
    }

    private Optional<TaskStatus> knownStatus(String taskId) {
        Optional<TaskStatus> reported = store.get(Kind.STATUS, taskId);
        Optional<TaskStatus> own = store.get(Kind.TASKS, taskId).map(Task::status);
        if (reported.isPresent() && own.isPresent()) {
            return Optional.of(reported.get().state().compareTo(own.get().state()) >= 0 ? reported.get() : own.get());
        }
        return reported.isPresent() ? reported : own;
    }
}
