package io.shoal.controlplane.sim;

import io.shoal.controlplane.membership.MemberRecord;
import io.shoal.controlplane.status.TaskStatusReporter;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Layout;
import io.shoal.controlplane.store.Store;
import io.shoal.controlplane.store.Stored;
import io.shoal.model.Json;
import io.shoal.model.Member;
import io.shoal.model.Resources;
import io.shoal.model.Task;
import io.shoal.model.TaskState;
import io.shoal.model.TaskStatus;
import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.KillSession;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated agent, as the real one talks to ZooKeeper but without containers: its own Curator
 * session, its ephemeral member record ({@link MemberRecord}), a watch on its own assignment list
 * ({@code /shoal/assignments/<node>}, a {@link Store} that caches that one znode) from which it reads
 * each new task (one read per task), and the real {@link TaskStatusReporter} for what it observes.
 * With {@link Watch#ASSIGNMENTS_AND_ALL_TASKS} it also caches the whole tasks folder, as the real
 * agent does for its data plane (every task of the cluster), to measure that fan-out. A task assigned to its node is
 * reported ACCEPTED → PREPARING → STARTING → RUNNING, as the real worker does; a task told to stop
 * is reported SHUTDOWN.
 *
 * <p>Threads: Curator's own per session (ZooKeeper's send and event threads, connection state);
 * every agent's work and its client's cache events run on one shared pool, each agent's in order
 * (two {@link SerialExecutor}s per agent), so a hundred agents do not need two hundred threads.
 */
public final class SimAgent implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(SimAgent.class);

    private static final List<TaskState> STARTUP =
            List.of(TaskState.ACCEPTED, TaskState.PREPARING, TaskState.STARTING, TaskState.RUNNING);

    private final String nodeId;
    private final String connectString;
    private final Layout layout;
    private final Member member;
    private final Shared shared;
    private final Map<String, TaskState> reported = new ConcurrentHashMap<>();
    /** The ids of this node's assignment list as last seen (guarded by this). */
    private final Set<String> assigned = new HashSet<>();

    /** This agent's work (reads, starts, stops, reports), in order, on the shared pool. */
    private final SerialExecutor work;
    /**
     * Its ZooKeeper client's "run safe" calls (the caches' events, among them its assignment list's),
     * in order: Curator gives each client one thread for them by default, and handing them to the
     * shared pool directly let an older list be handled after a newer one (a task still assigned
     * was then stopped).
     */
    private final SerialExecutor events;

    private volatile boolean crashed;
    private CuratorFramework client;
    private Store store;
    /** The whole tasks folder, cached (Watch.ASSIGNMENTS_AND_ALL_TASKS), or null. */
    private Store allTasks;

    private TaskStatusReporter reporter;
    private MemberRecord record;
    private Store.Subscription subscription;

    /**
     * What every agent of a simulation shares.
     *
     * @param pool runs the agents' reports
     * @param threads makes Curator's threads (daemon, named)
     * @param sessionTimeout the agents' ZooKeeper session timeout
     * @param seen records, per task id, when (System.nanoTime) its node's agent first saw it ASSIGNED
     * @param watch what the agents watch
     */
    public record Shared(
            Executor pool, ThreadFactory threads, Duration sessionTimeout, Map<String, Long> seen, Watch watch) {}

    /** What an agent watches. */
    public enum Watch {
        /** Nothing: the member record only, no reports (the control plane without the watchers' reads). */
        NONE,
        /** Its assignment list, and the tasks it names. */
        ASSIGNMENTS,
        /** Its assignment list, and a cache of every task of the cluster (the real agent's data-plane view). */
        ASSIGNMENTS_AND_ALL_TASKS
    }

    /**
     * @param connectString the ZooKeeper ensemble
     * @param layout where the cluster lives
     * @param index the agent's number: node {@code n<index>} (3 digits), underlay 198.18.x.y
     * @param shared what the agents share
     */
    public SimAgent(String connectString, Layout layout, int index, Shared shared) {
        this.nodeId = String.format("n%03d", index);
        this.connectString = connectString;
        this.layout = layout;
        this.shared = shared;
        this.work = new SerialExecutor(shared.pool(), () -> !crashed);
        this.events = new SerialExecutor(shared.pool(), () -> true);
        this.member = new Member(
                nodeId,
                "host-" + nodeId,
                List.of("198.18." + (1 + index / 250) + "." + (1 + index % 250)),
                Resources.of(8, 16384),
                "sim",
                Instant.now());
    }

    public String nodeId() {
        return nodeId;
    }

    /** Connects, loads the tasks view, starts watching and reporting, then announces the node. */
    public void start() {
        client = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .sessionTimeoutMs((int) shared.sessionTimeout().toMillis())
                .connectionTimeoutMs(5000)
                .retryPolicy(new ExponentialBackoffRetry(100, 3, 1000))
                .threadFactory(shared.threads())
                .runSafeService(events)
                .build();
        client.start();
        try {
            if (!client.blockUntilConnected(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("agent " + nodeId + ": no ZooKeeper connection within 20 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("agent " + nodeId + ": interrupted while connecting", e);
        }
        if (shared.watch() == Watch.ASSIGNMENTS_AND_ALL_TASKS) {
            allTasks = new Store(client, layout, Clock.systemUTC(), Duration.ofSeconds(30), Kind.TASKS);
            allTasks.start();
        }
        if (shared.watch() != Watch.NONE) {
            store = new Store(client, layout, Clock.systemUTC(), Duration.ofSeconds(30), Kind.ASSIGNMENTS, nodeId);
            store.start();
            reporter = new TaskStatusReporter(store);
            subscription = store.listen(
                    Kind.ASSIGNMENTS,
                    e -> assigned(
                            e.after() == null ? List.of() : e.after().value().tasks()));
            store.get(Kind.ASSIGNMENTS, nodeId).ifPresent(l -> assigned(l.tasks()));
        }
        record = new MemberRecord(client, layout, member);
        record.start(Duration.ofSeconds(30));
    }

    /**
     * On the cache's thread: this node's assignment list changed. A new id is read (one task, from
     * ZooKeeper) and started; an id that left the list is stopped. The work runs on the pool.
     */
    private synchronized void assigned(List<String> ids) {
        Set<String> now = new HashSet<>(ids);
        for (String id : now) {
            if (assigned.add(id)) {
                read(id);
            }
        }
        for (Iterator<String> it = assigned.iterator(); it.hasNext(); ) {
            String id = it.next();
            if (!now.contains(id)) {
                it.remove();
                work.execute(() -> stop(id));
            }
        }
    }

    /**
     * Reads an assigned task without blocking (each agent is its own process in a real cluster; here
     * a hundred share a few report threads, which must not delay the reads), then queues its start.
     */
    private void read(String id) {
        try {
            client.getData()
                    .inBackground((c, event) -> {
                        if (event.getResultCode() != 0 || event.getData() == null) {
                            work.execute(() -> fetch(id));
                            return;
                        }
                        Task t = Json.mapper().readValue(event.getData(), Task.class);
                        started(t);
                    })
                    .forPath(layout.path(Kind.TASKS, id));
        } catch (Exception e) {
            work.execute(() -> fetch(id));
        }
    }

    /** Reads an assigned task and starts it; tried again later should ZooKeeper not answer. */
    private void fetch(String id) {
        Task t;
        try {
            t = store.read(Kind.TASKS, id).map(Stored::value).orElse(null);
        } catch (RuntimeException e) {
            retry(() -> fetch(id), id, e);
            return;
        }
        if (t != null) {
            started(t);
        }
    }

    /** The agent has an assigned task: it notes when, and queues its start. */
    private void started(Task t) {
        if (!nodeId.equals(t.nodeId())) {
            return;
        }
        if (t.desiredState() == TaskState.RUNNING && t.status().state() == TaskState.ASSIGNED) {
            shared.seen().putIfAbsent(t.id(), System.nanoTime());
        }
        // Behind the reads of the list's other new tasks: a worker reads its assignments, then
        // starts them (the real worker's container starts run alongside, not one after the other).
        work.execute(() -> react(t));
    }

    /** A task left this node's list: it is shut down, once. */
    private void stop(String id) {
        TaskState had = reported.get(id);
        if (had != null && had.isTerminal()) {
            return;
        }
        try {
            reporter.report(
                    id, TaskStatus.of(TaskState.SHUTDOWN, Instant.now(), "shut down: left " + nodeId + "'s list"));
            reported.put(id, TaskState.SHUTDOWN);
        } catch (IllegalStateException e) {
            log.debug("agent {}: task {}: {}", nodeId, id, e.getMessage());
        } catch (RuntimeException e) {
            retry(() -> stop(id), id, e);
        }
    }

    /** ZooKeeper unreachable for a while (a stalled machine): again in 500 ms, as the real worker's resync would. */
    private void retry(Runnable again, String id, RuntimeException e) {
        if (!crashed) {
            log.debug("agent {}: task {}: {}; again in 500 ms", nodeId, id, e.getMessage());
            CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS, shared.pool())
                    .execute(() -> work.execute(again));
        }
    }

    private void react(Task t) {
        TaskState had = reported.get(t.id());
        try {
            if (t.desiredState() != TaskState.RUNNING) {
                if (had == null || !had.isTerminal()) {
                    report(t, TaskState.SHUTDOWN, "shut down: desired " + t.desiredState());
                }
            } else if (had != null || t.status().state() == TaskState.ASSIGNED) {
                // From where the last attempt stopped, should a write have failed half way.
                for (TaskState next : STARTUP) {
                    if (had == null || next.compareTo(had) > 0) {
                        report(t, next, next == TaskState.ACCEPTED ? "accepted by " + nodeId : "simulated");
                    }
                }
            }
        } catch (IllegalStateException e) {
            // The stored status moved on (a shutdown overtook the start): nothing to do.
            log.debug("agent {}: task {}: {}", nodeId, t.id(), e.getMessage());
        } catch (RuntimeException e) {
            retry(() -> react(t), t.id(), e);
        }
    }

    private void report(Task t, TaskState state, String message) {
        reporter.report(t.id(), TaskStatus.of(state, Instant.now(), message));
        reported.put(t.id(), state);
    }

    /** The state this agent last reported for a task, or null. */
    public TaskState reported(String taskId) {
        return reported.get(taskId);
    }

    /**
     * A crash: the process is gone (its client is expired locally and never comes back) and its
     * session ends on the server now, as when ZooKeeper expires it, without waiting out the session
     * timeout: a second handle attaches to the session and closes it. The member record, ephemeral,
     * goes with it.
     */
    public void crash() throws Exception {
        crashed = true;
        ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
        long sessionId = zk.getSessionId();
        byte[] password = zk.getSessionPasswd();
        KillSession.kill(zk);
        // The process is gone: nothing of it reconnects (Curator would open a new session).
        close();
        CountDownLatch attached = new CountDownLatch(1);
        ZooKeeper killer = new ZooKeeper(
                connectString,
                (int) shared.sessionTimeout().toMillis(),
                event -> {
                    // Attached (then closed below), or told the session is already gone.
                    if (event.getState() == Watcher.Event.KeeperState.SyncConnected
                            || event.getState() == Watcher.Event.KeeperState.Expired) {
                        attached.countDown();
                    }
                },
                sessionId,
                password);
        try {
            if (!attached.await(20, TimeUnit.SECONDS)) {
                log.warn("agent {}: no answer about its old session within 20 s; it expires by itself", nodeId);
            }
        } finally {
            killer.close();
        }
    }

    /** Leaves: stops watching and closes the session (the member record goes with it). */
    @Override
    public void close() throws IOException {
        if (subscription != null) {
            subscription.close();
        }
        try {
            if (record != null && !crashed) {
                record.close();
            }
            if (store != null) {
                store.close();
            }
            if (allTasks != null) {
                allTasks.close();
            }
        } finally {
            if (client != null) {
                client.close();
            }
        }
    }
}
