package io.shoal.controlplane.orchestrator;

import io.shoal.controlplane.Lifecycle;
import io.shoal.controlplane.allocator.AllocationException;
import io.shoal.controlplane.allocator.Allocator;
import io.shoal.controlplane.ingress.Ingress;
import io.shoal.controlplane.metrics.Metrics;
import io.shoal.controlplane.scheduler.Decision;
import io.shoal.controlplane.scheduler.NodeInfo;
import io.shoal.controlplane.scheduler.Scheduler;
import io.shoal.controlplane.scheduler.TaskRequest;
import io.shoal.controlplane.store.AlreadyExistsException;
import io.shoal.controlplane.store.AssignmentList;
import io.shoal.controlplane.store.ConflictException;
import io.shoal.controlplane.store.Fence;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Store;
import io.shoal.controlplane.store.StoreEvent;
import io.shoal.controlplane.store.StoreTransaction;
import io.shoal.controlplane.store.Stored;
import io.shoal.model.Cidr;
import io.shoal.model.ClusterSpec;
import io.shoal.model.Meta;
import io.shoal.model.Network;
import io.shoal.model.Node;
import io.shoal.model.NodeAvailability;
import io.shoal.model.NodeState;
import io.shoal.model.RestartPolicy;
import io.shoal.model.Service;
import io.shoal.model.ServiceEndpoint;
import io.shoal.model.Task;
import io.shoal.model.TaskState;
import java.io.Closeable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles services with tasks, on the leader, in passes. A pass reads the store's view (with
 * this leader's own recent writes laid over it: {@link OwnWrites}) and, per service, writes fenced
 * transactions of at most ~512 KiB, sent together: new tasks (allocated and scheduled), tasks told
 * to shut down, PENDING tasks that now fit somewhere, and the service's endpoint once allocated.
 *
 * <p>Task ids are deterministic — {@code <service>.<slot>.<n>} or {@code <service>.<node>.<n>},
 * where {@code n} is one more than the largest {@code n} the slot's tasks carry — so a pass that
 * should still work from a view lagging a write proposes the same ids again; ZooKeeper refuses the
 * duplicate create, that transaction fails, and the pass is simply retried once the view caught up.
 * Updates and deletes are version checked for the same reason.
 *
 * <p>Task history (Swarm's {@code TaskHistoryRetentionLimit}): a slot keeps at most {@code
 * taskHistoryLimit} tasks, live and ended; the oldest ended ones are deleted, with their status
 * reports, in the service's transactions. Never deleted: a task not yet observed ended (or, told to
 * stop before it was assigned, never given to a node); the slot's newest task (so {@code n} never
 * repeats); the tasks the restart policy's {@code maxAttempts} count within its window still needs;
 * failed tasks the failure count of an update in progress still needs. Tasks of deleted services
 * are deleted once ended. A deleted task's addresses were released when it was seen ended (or are
 * released once its delete is stored, for one that never ran), only while the pool names it owner.
 *
 * <p>Ingress (as in Swarm): at the start of its term the leader makes the {@code ingress} network if
 * the cluster has none (also later, should a service publish ports while there is none); every node
 * gets an address on it, stored in its {@link io.shoal.model.NodeStatus#ingressAddress()}; a service
 * publishing ingress ports gets a VIP there and its new tasks carry the ingress network as their
 * last attachment ({@link Ingress#taskSpec}). Such a service waits for the ingress network to be
 * allocated before it gets tasks.
 *
 * <p>Rules: a slot (or a node, for a global service) is filled when it has no live task — live
 * meaning desired RUNNING and not observed in a terminal state — unless the restart policy says the
 * ended task stays ended. A live task on a drained node is replaced first and shut down once its
 * replacement runs (Swarm stops first: docs#9917). Tasks above the replica count, of deleted
 * services, or (global) on nodes no longer eligible are shut down. Tasks of a lost node are shut
 * down by {@link #nodeLost}, which makes their slots empty.
 *
 * <p>Orphaned tasks (Swarm's ORPHANED): a task told to stop whose node was removed, or has been DOWN
 * without a break for longer than the orphan timeout (24 h by default, as in Swarm),
 * will never be reported ended by its agent. The leader ends it itself: {@link TaskState#ORPHANED}
 * in the task's own status, written in fenced transactions at the start of a pass. From then on it
 * is {@link #finished}: its addresses are released and the task history limit may delete it. A pass
 * is booked for when a down node's timeout will expire.
 */
public final class Orchestrator implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Orchestrator.class);

    /**
     * Bytes (data and paths) after which a transaction takes no more operations. ZooKeeper refuses a
     * request above {@code jute.maxbuffer} (1 MiB by default); a chunk ends at most one object past
     * this, far below it.
     */
    static final int MAX_BYTES = 512 * 1024;

    /** Operations per transaction at most, whatever their size. */
    static final int MAX_OPS = 2000;

    /** Transactions of one pass in flight at once. */
    static final int WRITERS = 4;

    /** Oldest first: by {@code n}, then creation time, then id. */
    private static final Comparator<Task> OLDEST_FIRST = Comparator.comparingInt(Orchestrator::attemptOf)
            .thenComparing((Task t) -> t.meta().createdAt())
            .thenComparing(Task::id);

    private final Store store;
    private final Fence fence;
    private final Allocator allocator;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Lifecycle lifecycle = new Lifecycle("orchestrator");
    private final ScheduledExecutorService worker;
    /** Sends a pass's transactions together (see {@link #writeInChunks}). */
    private final ExecutorService writers;

    /** Swarm's: a node down this long has its stopped tasks orphaned. */
    public static final Duration DEFAULT_ORPHAN_TIMEOUT = Duration.ofHours(24);

    private final int taskHistoryLimit;
    private final Duration orphanTimeout;
    private final LongAdder tasksDeleted;
    private final LongAdder tasksOrphaned;
    /** Per down node, when the pass that orphans its tasks is booked for (one booking per due time). */
    private final Map<String, Instant> orphanPasses = new ConcurrentHashMap<>();

    private final AtomicBoolean passQueued = new AtomicBoolean();
    private volatile boolean ingressNameClashLogged;
    private final List<Store.Subscription> subscriptions = new ArrayList<>();
    private final Map<String, Instant> lostNodes = new ConcurrentHashMap<>();
    private final Updater updater;
    private final Metrics metrics;
    private final LongAdder batches;
    private final LongAdder transactions;
    private final LongAdder operations;
    private final OwnWrites own = new OwnWrites();
    /** Per node, the assignment list this leader last committed (the view may not show it yet). */
    private final Map<String, Stored<AssignmentList>> assignmentsWritten = new ConcurrentHashMap<>();

    /**
     * @param store a started store
     * @param fence the leader's fence for this term (null only for single-manager tests)
     * @param allocator the allocator; {@link #start} restores it from the store
     * @param scheduler the scheduler
     * @param clock time for statuses
     */
    public Orchestrator(Store store, Fence fence, Allocator allocator, Scheduler scheduler, Clock clock) {
        this(store, fence, allocator, scheduler, clock, new Metrics());
    }

    /**
     * @param store a started store
     * @param fence the leader's fence for this term (null only for single-manager tests)
     * @param allocator the allocator; {@link #start} restores it from the store
     * @param scheduler the scheduler
     * @param clock time for statuses
     * @param metrics where passes, tasks created and update batches are counted
     */
    public Orchestrator(
            Store store, Fence fence, Allocator allocator, Scheduler scheduler, Clock clock, Metrics metrics) {
        this(store, fence, allocator, scheduler, clock, metrics, ClusterSpec.DEFAULT_TASK_HISTORY_LIMIT);
    }

    /** {@link #Orchestrator(Store, Fence, Allocator, Scheduler, Clock, Metrics, int, Duration)} with Swarm's orphan timeout. */
    public Orchestrator(
            Store store,
            Fence fence,
            Allocator allocator,
            Scheduler scheduler,
            Clock clock,
            Metrics metrics,
            int taskHistoryLimit) {
        this(store, fence, allocator, scheduler, clock, metrics, taskHistoryLimit, DEFAULT_ORPHAN_TIMEOUT);
    }

    /**
     * @param store a started store
     * @param fence the leader's fence for this term (null only for single-manager tests)
     * @param allocator the allocator; {@link #start} restores it from the store
     * @param scheduler the scheduler
     * @param clock time for statuses
     * @param metrics where passes, tasks created, deleted and orphaned and update batches are counted
     * @param taskHistoryLimit the most tasks a slot keeps, live and ended ({@link
     *     ClusterSpec#taskHistoryLimit()}); at least 1
     * @param orphanTimeout how long a node stays DOWN before its tasks told to stop are
     *     {@link TaskState#ORPHANED} ({@link #DEFAULT_ORPHAN_TIMEOUT}); positive
     * @throws IllegalArgumentException when {@code taskHistoryLimit} is below 1 or {@code
     *     orphanTimeout} is not positive
     */
    public Orchestrator(
            Store store,
            Fence fence,
            Allocator allocator,
            Scheduler scheduler,
            Clock clock,
            Metrics metrics,
            int taskHistoryLimit,
            Duration orphanTimeout) {
        if (taskHistoryLimit < 1) {
            throw new IllegalArgumentException("taskHistoryLimit: " + taskHistoryLimit
                    + " must be at least 1 (a slot always keeps its newest task)");
        }
        if (orphanTimeout == null || orphanTimeout.isNegative() || orphanTimeout.isZero()) {
            throw new IllegalArgumentException("orphanTimeout: " + orphanTimeout
                    + " must be positive (how long a node is down before its stopped tasks are orphaned)");
        }
        this.taskHistoryLimit = taskHistoryLimit;
        this.orphanTimeout = orphanTimeout;
        this.tasksOrphaned = metrics.counter(
                "shoal_controlplane_tasks_orphaned_total",
                "Tasks the orchestrator marked ORPHANED (node removed, or down past the orphan timeout)");
        this.tasksDeleted = metrics.counter(
                "shoal_controlplane_tasks_deleted_total",
                "Ended tasks the orchestrator deleted (task history limit, removed services)");
        this.metrics = metrics;
        LongAdder batches =
                metrics.counter("shoal_controlplane_update_batches_total", "Rolling update batches started");
        this.batches = batches;
        this.transactions = metrics.counter(
                "shoal_controlplane_orchestrator_transactions_total",
                "ZooKeeper transactions (multi) the orchestrator committed");
        this.operations = metrics.counter(
                "shoal_controlplane_orchestrator_writes_total",
                "Znodes the orchestrator created or updated (in committed transactions)");
        this.updater = new Updater(clock, this::wakeAt);
        this.store = store;
        this.fence = fence;
        this.allocator = allocator;
        this.scheduler = scheduler;
        this.clock = clock;
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "shoal-orchestrator");
            t.setDaemon(true);
            return t;
        });
        AtomicInteger writerCount = new AtomicInteger();
        this.writers = Executors.newFixedThreadPool(WRITERS, r -> {
            Thread t = new Thread(r, "shoal-orchestrator-write-" + writerCount.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Restores the allocator from the store, then runs a pass on every change. */
    public void start() {
        lifecycle.start();
        // From ZooKeeper, not the view: the view may lag the previous leader's last allocations.
        List<Network> networks = store.readAll(Kind.NETWORKS);
        allocator.restore(
                networks,
                store.readAll(Kind.SERVICES),
                liveTasks(store.readAll(Kind.TASKS)),
                store.readAll(Kind.NODES));
        if (!ensureIngress(networks)) {
            worker.schedule(this::ensureIngressLater, 1, TimeUnit.SECONDS);
        }
        subscriptions.add(store.listen(Kind.SERVICES, e -> {
            if (e.type() == StoreEvent.Type.DELETED) {
                own.serviceDeleted(e.id());
            }
            releaseIfDeleted(e, allocator::release);
            trigger();
        }));
        subscriptions.add(store.listen(Kind.NODES, e -> {
            releaseIfDeleted(e, n -> allocator.releaseNode(n.id()));
            trigger();
        }));
        subscriptions.add(store.listen(Kind.NETWORKS, e -> {
            releaseIfDeleted(e, allocator::release);
            trigger();
        }));
        subscriptions.add(store.listen(Kind.STATUS, e -> trigger()));
        subscriptions.add(store.listen(Kind.TASKS, e -> {
            if (e.type() == StoreEvent.Type.DELETED) {
                own.taskDeleted(e.id());
            }
            trigger();
        }));
        trigger();
    }

    /**
     * Gives back what a deleted object held, on the pass thread: a pass that read the object before
     * it went may have recorded it again, and this runs after that pass.
     */
    private <T> void releaseIfDeleted(StoreEvent<T> e, Consumer<T> release) {
        if (e.type() != StoreEvent.Type.DELETED || e.before() == null) {
            return;
        }
        T gone = e.before().value();
        if (lifecycle.state() == Lifecycle.State.STARTED) {
            try {
                worker.execute(() -> {
                    try {
                        release.accept(gone);
                    } catch (RuntimeException ex) {
                        log.info("orchestrator: {} {} not released: {}", e.kind(), e.id(), ex.getMessage());
                    }
                });
            } catch (RejectedExecutionException ex) {
                // closing
            }
        }
    }

    /**
     * Makes the ingress network when the cluster has none, as Swarm does on init. Read from
     * ZooKeeper, so a view lagging the previous leader's writes does not make a second one; the
     * fixed id {@value Ingress#NAME} makes a racing second create fail.
     *
     * @return false when a create failed and should be tried again; true when there is one, it was
     *     made, or it cannot be made (another network holds the name: logged once per term)
     */
    private boolean ensureIngress(List<Network> stored) {
        if (Ingress.find(stored) != null) {
            return true;
        }
        for (Network n : stored) {
            if (n.name().equals(Ingress.NAME)) {
                if (!ingressNameClashLogged) {
                    ingressNameClashLogged = true;
                    log.warn(
                            "orchestrator: network '{}' ({}) is not an ingress network; no routing mesh network"
                                    + " is made and services publishing ports get no tasks",
                            n.name(),
                            n.id());
                }
                return true;
            }
        }
        try {
            write(t -> t.create(Kind.NETWORKS, Ingress.network(clock.instant())));
            log.info("orchestrator: made the ingress network");
            return true;
        } catch (AlreadyExistsException e) {
            return true; // made concurrently (an earlier term's late write, or another pass)
        } catch (RuntimeException e) {
            log.warn("orchestrator: ingress network not made: {}", e.getMessage());
            return false;
        }
    }

    private void ensureIngressLater() {
        if (lifecycle.state() != Lifecycle.State.STARTED) {
            return;
        }
        try {
            if (!ensureIngress(store.readAll(Kind.NETWORKS))) {
                worker.schedule(this::ensureIngressLater, 1, TimeUnit.SECONDS);
            }
        } catch (RuntimeException e) {
            log.warn("orchestrator: ingress network check failed: {}", e.getMessage());
            worker.schedule(this::ensureIngressLater, 1, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        if (lifecycle.close()) {
            subscriptions.forEach(Store.Subscription::close);
            worker.shutdownNow();
            writers.shutdownNow();
        }
    }

    /**
     * A node stayed away past its grace period: its tasks are shut down so that their slots get new
     * tasks elsewhere (the membership watcher's handler).
     */
    public void nodeLost(String nodeId) {
        lostNodes.put(nodeId, clock.instant());
        trigger();
    }

    /** Asks for a pass soon; passes never overlap and requests coalesce. */
    public void trigger() {
        if (lifecycle.state() == Lifecycle.State.STARTED && passQueued.compareAndSet(false, true)) {
            worker.execute(this::runPass);
        }
    }

    private void runPass() {
        passQueued.set(false);
        boolean again;
        try {
            again = !reconcile();
        } catch (RuntimeException e) {
            log.warn("orchestrator: pass failed: {}", e.getMessage());
            again = true;
        }
        if (again && lifecycle.state() == Lifecycle.State.STARTED) {
            // Usually the view lags our own last writes; try again shortly.
            worker.schedule(this::trigger, 200, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * One pass over every service, on the caller's thread (tests call it directly).
     *
     * @return true when every service's transaction went through
     */
    public boolean reconcile() {
        Snapshot s = new Snapshot(store, lostNodes, own);
        boolean ok = allocateNetworks(s);
        s.ingress = s.allocatedIngress();
        if (s.ingress == null
                && Ingress.find(s.networks.values()) == null
                && s.services.values().stream().anyMatch(x -> Ingress.publishes(x.spec()))) {
            // Deleted while nothing published; a service publishes again: make it again.
            // Its creation (an event) brings the next pass; retry only if the create failed.
            ok &= ensureIngress(store.readAll(Kind.NETWORKS));
        }
        ok &= allocateNodeAddresses(s);
        ok &= orphanTasks(s);
        releaseEnded(s);
        for (Service service : s.services.values()) {
            ok &= reconcile(s, service);
        }
        ok &= shutDownOrphans(s);
        ok &= writeAssignments(s);
        return ok;
    }

    /**
     * Brings every node's {@link AssignmentList} up to date with the tasks as this pass left them
     * (the view with this leader's own writes laid over it): the ids of the tasks assigned to the
     * node whose desired state is RUNNING. Written after the tasks, so a worker that reads an id
     * finds its task; only lists that changed are written, in fenced, version-checked transactions.
     */
    private boolean writeAssignments(Snapshot s) {
        Map<String, Task> tasks = new HashMap<>();
        store.list(Kind.TASKS).forEach(t -> tasks.put(t.id(), t));
        own.applyToTasks(tasks);
        Map<String, List<String>> wanted = new TreeMap<>();
        for (String node : s.nodes.keySet()) {
            wanted.put(node, new ArrayList<>());
        }
        for (String node : store.ids(Kind.ASSIGNMENTS)) {
            wanted.putIfAbsent(node, new ArrayList<>());
        }
        for (Task t : tasks.values()) {
            if (!t.nodeId().isEmpty() && t.desiredState() == TaskState.RUNNING) {
                wanted.computeIfAbsent(t.nodeId(), n -> new ArrayList<>()).add(t.id());
            }
        }
        List<Map.Entry<String, Stored<AssignmentList>>> writes = new ArrayList<>();
        StoreTransaction t = transaction();
        List<StoreTransaction> chunks = new ArrayList<>(List.of(t));
        for (Map.Entry<String, List<String>> e : wanted.entrySet()) {
            String node = e.getKey();
            List<String> ids = e.getValue();
            ids.sort(null);
            Stored<AssignmentList> current = currentAssignments(node);
            if (current != null && current.value().tasks().equals(ids)) {
                continue;
            }
            if (t.bytes() >= MAX_BYTES || t.size() >= MAX_OPS) {
                t = transaction();
                chunks.add(t);
            }
            AssignmentList list = new AssignmentList(ids);
            if (current == null) {
                t.create(Kind.ASSIGNMENTS, node, list);
                writes.add(Map.entry(node, new Stored<>(node, 0, list)));
            } else {
                t.update(Kind.ASSIGNMENTS, node, current.version(), list);
                writes.add(Map.entry(node, new Stored<>(node, current.version() + 1, list)));
            }
        }
        if (writes.isEmpty()) {
            return true;
        }
        try {
            for (StoreTransaction chunk : chunks) {
                commit(chunk);
            }
        } catch (RuntimeException e) {
            // A list changed or appeared under us (another term's leader, or a view far behind):
            // forget what we wrote and plan from the view again.
            assignmentsWritten.clear();
            log.info("orchestrator: assignment lists not stored yet: {}", e.getMessage());
            return false;
        }
        writes.forEach(w -> assignmentsWritten.put(w.getKey(), w.getValue()));
        log.debug(
                "orchestrator: assignment lists of {} nodes written in {} transactions", writes.size(), chunks.size());
        return true;
    }

    /** A node's list as the view holds it, or as this leader last wrote it when the view lags. */
    private Stored<AssignmentList> currentAssignments(String node) {
        Stored<AssignmentList> seen = store.find(Kind.ASSIGNMENTS, node).orElse(null);
        Stored<AssignmentList> written = assignmentsWritten.get(node);
        if (written == null) {
            return seen;
        }
        if (seen != null && seen.version() >= written.version()) {
            assignmentsWritten.remove(node, written);
            return seen;
        }
        return written;
    }

    private boolean allocateNetworks(Snapshot s) {
        boolean ok = true;
        List<Network> byAge = new ArrayList<>(s.networks.values());
        // Oldest first, so subnets and VNIs follow creation order (the ingress network made at
        // cluster start gets the first ones).
        byAge.sort(Comparator.comparing((Network n) -> n.meta().createdAt()).thenComparing(Network::id));
        for (Network n : byAge) {
            Network done;
            try {
                done = allocator.allocate(n); // idempotent; records networks allocated elsewhere
            } catch (RuntimeException e) {
                log.warn(
                        "orchestrator: network {} cannot be allocated: {}",
                        n.spec().name(),
                        e.getMessage());
                ok = false;
                continue;
            }
            if (n.allocated()) {
                continue;
            }
            try {
                write(t -> t.update(Kind.NETWORKS, done));
                s.networks.put(n.id(), done.withMeta(done.meta().next(clock.instant())));
            } catch (RuntimeException e) {
                // Kept in the allocator: the next pass asks again and gets the same answer.
                log.info("orchestrator: network {} not stored yet: {}", n.spec().name(), e.getMessage());
                ok = false;
            }
        }
        return ok;
    }

    /**
     * Gives every node its address on the ingress network, or records the one it has; a node whose
     * stored address differs (none yet, or from an ingress network made again) is updated,
     * version-checked, so a concurrent status change is retried next pass rather than lost.
     */
    private boolean allocateNodeAddresses(Snapshot s) {
        if (s.ingress == null) {
            return true;
        }
        boolean ok = true;
        for (Node node : s.nodes.values()) {
            Cidr had = node.status().ingressAddress();
            try {
                Cidr address = allocator.allocateNode(node.id(), had);
                if (address.equals(had)) {
                    continue;
                }
                Node updated = node.withStatus(node.status().withIngressAddress(address));
                write(t -> t.update(Kind.NODES, updated));
                s.nodes.put(node.id(), updated.withMeta(updated.meta().next(clock.instant())));
                log.info("orchestrator: node {} has ingress address {}", node.id(), address);
            } catch (ConflictException e) {
                ok = false; // the node changed under us (membership): next pass
            } catch (RuntimeException e) {
                log.info("orchestrator: node {} has no ingress address yet: {}", node.id(), e.getMessage());
                ok = false;
            }
        }
        return ok;
    }

    private boolean reconcile(Snapshot s, Service service) {
        long began = System.nanoTime();
        Plan plan = new Plan();
        if (s.ingress == null && Ingress.publishes(service.spec())) {
            // Not a failed pass: the ingress network's creation or allocation is an event that
            // brings the next one.
            log.debug(
                    "orchestrator: service {} publishes ports; waiting for the ingress network",
                    service.spec().name());
            return true;
        }
        try {
            Service current = allocateEndpoint(s, service, plan);
            List<Task> tasks = s.tasksOf(current.id());
            Service checked = updater.check(s, current, tasks);
            if (checked != current) {
                plan.serviceUpdate = checked;
                if (!checked.spec().equals(current.spec())) {
                    // Rolled back: the tasks are planned against the restored spec in the next pass.
                    writeInChunks(plan);
                    log.info(
                            "orchestrator: service {}: {}",
                            service.spec().name(),
                            checked.updateStatus().message());
                    return true;
                }
                current = checked;
            }
            List<Updater.Slot> slots = current.spec().mode().global()
                    ? planGlobal(s, current, tasks, plan)
                    : planReplicated(s, current, tasks, plan);
            Service svc = current;
            Service rolled = updater.roll(
                    s,
                    current,
                    slots,
                    plan,
                    slot -> newTask(s, svc, slot.slot(), slot.nodeId(), nextAttempt(slot.history())));
            if (rolled != current) {
                plan.serviceUpdate = rolled;
                current = rolled;
            }
            schedulePending(s, current, tasks, plan);
            reap(s, current, tasks, plan);
            if (plan.isEmpty()) {
                return !plan.waitsForAddress;
            }
            long planned = System.nanoTime();
            int transactions = writeInChunks(plan);
            long written = System.nanoTime();
            metrics.counter("shoal_controlplane_tasks_created_total", "Tasks created by the orchestrator")
                    .add(plan.creates.size());
            if (plan.updateBatch) {
                batches.increment();
            }
            log.info(
                    "orchestrator: service {}: {} new tasks, {} task updates, {} ended tasks deleted ({} ms to plan,"
                            + " {} ms to write in {} transactions)",
                    service.spec().name(),
                    plan.creates.size(),
                    plan.updates.size(),
                    plan.deletes.size(),
                    (planned - began) / 1_000_000,
                    (written - planned) / 1_000_000,
                    transactions);
            return !plan.waitsForAddress;
        } catch (RuntimeException e) {
            plan.undoUncommitted();
            log.info(
                    "orchestrator: service {} not reconciled this pass: {}",
                    service.spec().name(),
                    e.getMessage());
            return false;
        }
    }

    private Service allocateEndpoint(Snapshot s, Service service, Plan plan) {
        ServiceEndpoint endpoint = allocator.allocate(service, s::network, s.ingress);
        if (endpoint.equals(service.endpoint())) {
            return service;
        }
        Service updated = service.withEndpoint(endpoint);
        plan.undoFor("service", () -> allocator.release(updated));
        plan.serviceUpdate = updated;
        return updated;
    }

    private List<Updater.Slot> planReplicated(Snapshot s, Service service, List<Task> tasks, Plan plan) {
        long replicas = service.spec().mode().replicas();
        Map<Integer, List<Task>> bySlot = new HashMap<>();
        for (Task t : tasks) {
            bySlot.computeIfAbsent(t.slot(), k -> new ArrayList<>()).add(t);
        }
        List<Updater.Slot> slots = new ArrayList<>();
        for (int slot = 1; slot <= replicas; slot++) {
            List<Task> history = bySlot.getOrDefault(slot, List.of());
            fill(s, service, history, slot, "", plan);
            slots.add(new Updater.Slot(slot, "", history));
        }
        for (Task t : tasks) {
            if (t.slot() > replicas && s.live(t)) {
                plan.shutdown(t, "scaled down");
            }
        }
        return slots;
    }

    private List<Updater.Slot> planGlobal(Snapshot s, Service service, List<Task> tasks, Plan plan) {
        List<Updater.Slot> slots = new ArrayList<>();
        Map<String, List<Task>> byNode = new HashMap<>();
        for (Task t : tasks) {
            byNode.computeIfAbsent(t.nodeId(), k -> new ArrayList<>()).add(t);
        }
        for (Node node : s.nodes.values()) {
            boolean eligible = node.status().state() == NodeState.READY
                    && node.spec().availability() == NodeAvailability.ACTIVE
                    && !lostNodes.containsKey(node.id())
                    && service.spec().task().placement().allows(node);
            List<Task> history = byNode.getOrDefault(node.id(), List.of());
            if (eligible) {
                fill(s, service, history, 0, node.id(), plan);
                slots.add(new Updater.Slot(0, node.id(), history));
            } else if (node.status().state() == NodeState.READY || lostNodes.containsKey(node.id())) {
                // Drained, constrained out or lost: the node's task stops (a paused node keeps its
                // tasks; a node that is down but within its grace period keeps them too).
                for (Task t : history) {
                    if (s.live(t) && node.spec().availability() != NodeAvailability.PAUSE) {
                        plan.shutdown(t, "node no longer eligible");
                    }
                }
            }
        }
        byNode.forEach((nodeId, history) -> {
            if (!nodeId.isEmpty() && !s.nodes.containsKey(nodeId)) {
                history.stream().filter(s::live).forEach(t -> plan.shutdown(t, "node " + nodeId + " removed"));
            }
        });
        return slots;
    }

    /** Keeps one live task in a slot (or on a node, for global services). */
    private void fill(Snapshot s, Service service, List<Task> history, int slot, String nodeId, Plan plan) {
        List<Task> live = history.stream().filter(s::live).toList();
        List<Task> movable = live.stream().filter(t -> !s.onUsableNode(t)).toList();
        List<Task> staying = live.stream().filter(s::onUsableNode).toList();
        if (staying.isEmpty()) {
            Task last = history.stream()
                    .max(Comparator.comparing((Task t) -> t.meta().createdAt()).thenComparing(Task::id))
                    .orElse(null);
            // The restart policy governs tasks that ended by themselves, not ones we shut down.
            // A slot whose last task ran an older spec is refilled by the update (or rollback)
            // whatever the restart policy says.
            if (last != null
                    && live.isEmpty()
                    && endedByItself(s, last)
                    && Updater.current(s, service, last)
                    && !restartDue(s, service, history, last)) {
                return;
            }
            Task next = newTask(s, service, slot, nodeId, nextAttempt(history));
            plan.create(next);
            // As Swarm's restart supervisor does: a task that ended by itself is told to stop once
            // it is replaced, so that nothing (a client waiting for the service, `docker service ps`)
            // takes it for one still wanted.
            for (Task t : history) {
                if (endedByItself(s, t)) {
                    log.info(
                            "orchestrator: task {} ended {} ({}); replaced by {}",
                            t.id(),
                            s.observed(t),
                            s.observedMessage(t),
                            next.id());
                    plan.shutdown(t, "ended; replaced by " + next.id());
                }
            }
        }
        for (Task t : movable) {
            if (lostNodes.containsKey(t.nodeId())) {
                plan.shutdown(t, "node " + t.nodeId() + " lost");
            } else if (!s.nodes.containsKey(t.nodeId())) {
                plan.shutdown(t, "node " + t.nodeId() + " removed");
            } else if (staying.stream().anyMatch(r -> s.observed(r) == TaskState.RUNNING)) {
                plan.shutdown(t, "node drained; replacement running");
            }
        }
    }

    /** Desired RUNNING but observed ended: it stopped by itself (failed, exited, lost its container). */
    private static boolean endedByItself(Snapshot s, Task t) {
        return t.desiredState() == TaskState.RUNNING && s.observed(t).isTerminal();
    }

    /**
     * Whether the slot whose last task ended gets a new one now: the condition allows it, fewer than
     * {@code maxAttempts} restarts happened within the window, and the delay since the end passed
     * (if not, a pass is booked for when it will have).
     */
    private boolean restartDue(Snapshot s, Service service, List<Task> history, Task last) {
        RestartPolicy policy = service.spec().task().restartPolicy();
        TaskState ended = s.observed(last);
        boolean allowed =
                switch (policy.condition()) {
                    case ANY -> true;
                    case NONE -> false;
                    case ON_FAILURE -> ended == TaskState.FAILED || ended == TaskState.REJECTED;
                };
        if (!allowed) {
            return false;
        }
        Instant now = clock.instant();
        if (policy.maxAttempts() > 0) {
            Instant since = policy.window().isZero() ? Instant.MIN : now.minus(policy.window());
            // Restarts of this spec only: an update's replacements are not restarts.
            List<Task> sameSpec =
                    history.stream().filter(t -> t.spec().equals(last.spec())).toList();
            Instant first = sameSpec.stream()
                    .map(t -> t.meta().createdAt())
                    .min(Comparator.naturalOrder())
                    .orElse(now);
            long restarts = sameSpec.stream()
                    .map(t -> t.meta().createdAt())
                    .filter(at -> at.isAfter(first) && !at.isBefore(since))
                    .count();
            if (restarts >= policy.maxAttempts()) {
                return false;
            }
        }
        Instant endedAt = s.endedAt(last);
        Instant due = endedAt.plus(policy.delay());
        if (now.isBefore(due)) {
            wakeAt(due);
            return false;
        }
        return true;
    }

    private void wakeAt(Instant due) {
        long millis = Math.max(1, Duration.between(clock.instant(), due).toMillis());
        if (lifecycle.state() == Lifecycle.State.STARTED) {
            worker.schedule(this::trigger, millis, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * The {@code n} of a slot's next task id: one more than the largest its tasks carry (the newest
     * task is never deleted, so an id never repeats), and at least the number of tasks (ids that do
     * not end in a number, should there be any).
     */
    static int nextAttempt(List<Task> history) {
        int next = history.size();
        for (Task t : history) {
            int n = attemptOf(t);
            if (n >= next) {
                next = n + 1;
            }
        }
        return next;
    }

    /** The {@code n} of a task id {@code <service>.<slot or node>.<n>}, or -1 when it has none. */
    static int attemptOf(Task t) {
        String id = t.id();
        String last = id.substring(id.lastIndexOf('.') + 1);
        if (last.isEmpty() || last.length() > 9 || !last.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        return Integer.parseInt(last);
    }

    /**
     * Marks ORPHANED (in the task's own status) every task told to stop, not yet {@link #finished},
     * whose node was removed, or has been DOWN for longer than the orphan timeout: no
     * agent will report its end. Written in fenced, version-checked transactions; what was stored is
     * laid over this pass's view, so the same pass releases the tasks' addresses and may reap them.
     * For a node down less long, a pass is booked for when its timeout expires (a node back READY by
     * then orphans nothing: its {@code since} moved).
     *
     * @return false when a write failed (the next pass plans again)
     */
    private boolean orphanTasks(Snapshot s) {
        Instant now = clock.instant();
        orphanPasses.values().removeIf(due -> !due.isAfter(now));
        Plan plan = new Plan();
        Map<String, Integer> byReason = new TreeMap<>();
        for (Task t : s.tasks.values()) {
            if (t.nodeId().isEmpty() || t.desiredState().compareTo(TaskState.RUNNING) <= 0 || finished(s, t)) {
                continue;
            }
            Node node = s.nodes.get(t.nodeId());
            String why;
            if (node == null) {
                why = "node " + t.nodeId() + " removed";
            } else if (node.status().state() == NodeState.DOWN) {
                // DOWN only: the membership watcher's word that the member record vanished, with when
                // (a record not yet observed, UNKNOWN, has no meaningful "since").
                Instant due = node.status().since().plus(orphanTimeout);
                if (now.isBefore(due)) {
                    bookOrphanPass(node.id(), due);
                    continue;
                }
                why = "node " + t.nodeId() + " down since " + node.status().since();
            } else {
                continue;
            }
            plan.updates.add(t.withStatus(t.status().moveTo(TaskState.ORPHANED, now, "orphaned: " + why)));
            byReason.merge(why, 1, Integer::sum);
        }
        if (plan.isEmpty()) {
            return true;
        }
        try {
            writeInChunks(plan);
            tasksOrphaned.add(plan.updates.size());
            log.info("orchestrator: tasks orphaned: {}", byReason);
            return true;
        } catch (RuntimeException e) {
            log.info("orchestrator: tasks not orphaned this pass: {}", e.getMessage());
            return false;
        } finally {
            own.applyToTasks(s.tasks); // what was stored, at its new version
        }
    }

    /** Books a pass just after {@code due} for a down node's tasks, once per due time. */
    private void bookOrphanPass(String nodeId, Instant due) {
        if (!due.equals(orphanPasses.put(nodeId, due))) {
            // A millisecond late rather than early: the pass must find the timeout expired.
            wakeAt(due.plusMillis(1));
        }
    }

    /**
     * Over for good: observed ended (the agent's report, or the leader's record, ORPHANED included), or told to stop
     * before it was ever assigned (no agent was given it: it has no report and nothing to stop).
     */
    static boolean finished(Snapshot s, Task t) {
        if (s.observed(t).isTerminal()) {
            return true;
        }
        return t.desiredState() != TaskState.RUNNING
                && t.status().state().compareTo(TaskState.ASSIGNED) < 0
                && !s.statuses.containsKey(t.id());
    }

    /**
     * Plans the deletion of a service's oldest ended tasks, so that each slot (or node, for a global
     * service) keeps at most {@link #taskHistoryLimit} tasks counting those this plan creates. What
     * is never deleted: see {@link #keptBeyondLimit}; tasks this plan writes; tasks not {@link
     * #finished}.
     */
    private void reap(Snapshot s, Service service, List<Task> tasks, Plan plan) {
        Map<String, List<Task>> bySlot = new HashMap<>();
        for (Task t : tasks) {
            bySlot.computeIfAbsent(slotKey(t), k -> new ArrayList<>()).add(t);
        }
        Map<String, Integer> creating = new HashMap<>();
        Set<String> written = new HashSet<>();
        for (Task t : plan.creates) {
            creating.merge(slotKey(t), 1, Integer::sum);
            written.add(t.id());
        }
        plan.updates.forEach(t -> written.add(t.id()));
        for (Map.Entry<String, List<Task>> e : bySlot.entrySet()) {
            List<Task> history = e.getValue();
            int excess = history.size() + creating.getOrDefault(e.getKey(), 0) - taskHistoryLimit;
            if (excess <= 0) {
                continue;
            }
            Set<String> kept = keptBeyondLimit(s, service, history);
            List<Task> oldestFirst = new ArrayList<>(history);
            oldestFirst.sort(OLDEST_FIRST);
            for (Task t : oldestFirst) {
                if (excess == 0) {
                    break;
                }
                if (!kept.contains(t.id()) && !written.contains(t.id()) && finished(s, t)) {
                    delete(t, plan);
                    excess--;
                }
            }
        }
    }

    /** A task's slot: its number, or its node for a global service's task. */
    private static String slotKey(Task t) {
        return t.slot() > 0 ? "slot " + t.slot() : "node " + t.nodeId();
    }

    /**
     * The tasks of one slot that stay whatever the limit: the newest (by {@code n}, and by creation
     * time, which {@link #fill} goes by), whose id the next one's is derived from; those the restart
     * policy's count needs ({@link #restartDue} counts the tasks of the newest one's spec created
     * after the first of them and within the window, so the first of them and every one within the
     * window, all of them for a window of zero, stay); and failed tasks an update in progress counts.
     * The restart count is thereby bounded too: a slot never holds more than about {@code
     * maxAttempts + 2} tasks of one spec for it.
     */
    private Set<String> keptBeyondLimit(Snapshot s, Service service, List<Task> history) {
        Set<String> kept = new HashSet<>();
        Task newestById = history.stream().max(OLDEST_FIRST).orElseThrow();
        Task last = history.stream()
                .max(Comparator.comparing((Task t) -> t.meta().createdAt()).thenComparing(Task::id))
                .orElseThrow();
        kept.add(newestById.id());
        kept.add(last.id());
        RestartPolicy policy = service.spec().task().restartPolicy();
        if (policy.maxAttempts() > 0) {
            List<Task> sameSpec =
                    history.stream().filter(t -> t.spec().equals(last.spec())).toList();
            Instant first = sameSpec.stream()
                    .map(t -> t.meta().createdAt())
                    .min(Comparator.naturalOrder())
                    .orElseThrow();
            Instant since =
                    policy.window().isZero() ? Instant.MIN : clock.instant().minus(policy.window());
            for (Task t : sameSpec) {
                Instant at = t.meta().createdAt();
                if (!at.isAfter(first) || !at.isBefore(since)) {
                    kept.add(t.id());
                }
            }
        }
        for (Task t : history) {
            if (Updater.neededForFailureCount(s, service, t)) {
                kept.add(t.id());
            }
        }
        return kept;
    }

    /**
     * Adds the deletion of an ended task (and of its agent's status report) to a plan. Once stored,
     * its addresses are released — a no-op for a task seen ended, whose addresses {@link
     * #releaseEnded} gave back already (the pool frees an address only while it names the task as
     * owner, so nothing is freed twice) — and the view stops showing it.
     */
    private void delete(Task t, Plan plan) {
        long statusVersion =
                store.find(Kind.STATUS, t.id()).map(Stored::version).orElse(-1);
        plan.delete(t, statusVersion, () -> {
            allocator.release(t);
            own.taskDeletedByUs(t.id());
            tasksDeleted.increment();
        });
    }

    /** A new task with the spec new tasks carry now (ingress appended when the service publishes). */
    private Task newTask(Snapshot s, Service service, int slot, String nodeId, int attempt) {
        String id = service.id() + "." + (slot > 0 ? Integer.toString(slot) : nodeId) + "." + attempt;
        Meta meta = Meta.created(id, clock.instant());
        return slot > 0
                ? Task.forSlot(meta, service.id(), service.version(), slot, s.taskSpec(service))
                : Task.forNode(meta, service.id(), service.version(), nodeId, s.taskSpec(service));
    }

    /** Allocates and schedules the plan's new tasks and the service's PENDING ones. */
    private void schedulePending(Snapshot s, Service service, List<Task> tasks, Plan plan) {
        List<Task> waiting = new ArrayList<>();
        for (Task t : tasks) {
            if (s.live(t) && t.status().state().compareTo(TaskState.ASSIGNED) < 0 && !plan.isShutdown(t)) {
                waiting.add(t);
            }
        }
        List<Task> created = new ArrayList<>(plan.creates);
        plan.creates.clear();
        List<NodeInfo> nodes = s.nodeInfos();
        for (Task t : created) {
            plan.creates.add(place(s, service, t, nodes, plan));
        }
        for (Task t : waiting) {
            Task placed = place(s, service, t, nodes, plan);
            if (!placed.equals(t)) {
                plan.updates.add(placed);
            }
        }
    }

    private Task place(Snapshot s, Service service, Task task, List<NodeInfo> nodes, Plan plan) {
        Task t = task;
        if (t.addresses().isEmpty() && !t.spec().networks().isEmpty()) {
            Map<String, Cidr> addrs;
            try {
                addrs = allocator.allocate(t, s::network);
            } catch (AllocationException e) {
                // A full subnet (or a network not allocated yet) holds this task back, not the
                // service: it waits PENDING, saying why, as Swarm's tasks wait for an IP, and the
                // pass counts as unfinished so another comes shortly even if nothing else changes.
                plan.waitsForAddress = true;
                return pendingBecause(t, "no address: " + e.getMessage());
            }
            Task withAddrs = t.withAddresses(addrs);
            plan.undoFor(t.id(), () -> allocator.release(withAddrs));
            t = withAddrs;
        }
        if (t.status().state() == TaskState.NEW) {
            t = t.withStatus(t.status().moveTo(TaskState.PENDING, clock.instant(), "pending"));
        }
        if (!t.nodeId().isEmpty()) {
            // Global tasks are bound to their node at birth.
            return t.assignedTo(t.nodeId(), clock.instant());
        }
        Decision d = scheduler.schedule(TaskRequest.of(t, service), nodes);
        if (d.placed()) {
            return t.assignedTo(d.nodeId(), clock.instant());
        }
        return pendingBecause(t, d.reason());
    }

    /** {@code t} kept PENDING with {@code why} as its message (written only when it changes). */
    private Task pendingBecause(Task t, String why) {
        if (t.status().state() == TaskState.PENDING && t.status().message().equals(why)) {
            return t;
        }
        return t.withStatus(t.status().moveTo(TaskState.PENDING, clock.instant(), why));
    }

    /**
     * Frees the addresses of tasks that have ended (or were told to stop before any node was given
     * them), before any service is placed, so a task waiting for an address on a full subnet gets the
     * one freed in the same pass.
     */
    private void releaseEnded(Snapshot s) {
        for (Task t : s.tasks.values()) {
            if (finished(s, t)) {
                allocator.release(t);
            }
        }
    }

    private boolean shutDownOrphans(Snapshot s) {
        Plan plan = new Plan();
        for (Task t : s.tasks.values()) {
            if (s.services.containsKey(t.serviceId())) {
                continue;
            }
            if (s.live(t)) {
                plan.shutdown(t, "service removed");
            } else if (finished(s, t)) {
                // Service ids are never reused, so neither are these task ids: none is kept.
                delete(t, plan);
            }
        }
        if (plan.isEmpty()) {
            return true;
        }
        try {
            writeInChunks(plan);
            return true;
        } catch (RuntimeException e) {
            log.info("orchestrator: orphan tasks not shut down this pass: {}", e.getMessage());
            return false;
        }
    }

    /**
     * Writes a plan in fenced transactions of at most about {@link #MAX_BYTES}: a ZooKeeper request
     * has a size limit (jute.maxbuffer, 1 MiB by default), and a service of a thousand replicas
     * exceeds it in one. Each object is encoded once, as it is added.
     *
     * <p>The transactions are sent together, not one after the other: each commit sets off every
     * watcher's reads of what it wrote (every agent reads every task), and ZooKeeper would make a
     * second transaction sent afterwards wait behind those reads. Each transaction stands on its
     * own (version checks, the fence), so any of them may fail while others are stored; the next
     * pass sees what was stored (laid over the view: {@link OwnWrites}) and carries on, since ids are
     * deterministic.
     *
     * @return the number of transactions
     * @throws RuntimeException the first failure, once every transaction has finished
     */
    private int writeInChunks(Plan plan) {
        List<Plan.Op> ops = plan.ops();
        List<StoreTransaction> chunks = new ArrayList<>();
        List<List<Plan.Op>> chunkOps = new ArrayList<>();
        int from = 0;
        while (from < ops.size()) {
            StoreTransaction t = transaction();
            int to = from;
            while (to < ops.size() && t.bytes() < MAX_BYTES && to - from < MAX_OPS) {
                ops.get(to++).write().apply(t);
            }
            chunks.add(t);
            chunkOps.add(ops.subList(from, to));
            from = to;
        }
        if (chunks.size() == 1) {
            commit(chunks.get(0));
            plan.committed(chunkOps.get(0));
            return 1;
        }
        List<Future<?>> sent = new ArrayList<>();
        for (StoreTransaction t : chunks) {
            sent.add(writers.submit(() -> commit(t)));
        }
        RuntimeException failure = null;
        for (int i = 0; i < sent.size(); i++) {
            try {
                sent.get(i).get();
                plan.committed(chunkOps.get(i));
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException r
                            ? r
                            : new IllegalStateException("write failed: " + e.getCause(), e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = new IllegalStateException("interrupted while writing", e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return chunks.size();
    }

    private void write(Function<StoreTransaction, StoreTransaction> ops) {
        commit(ops.apply(transaction()));
    }

    private StoreTransaction transaction() {
        StoreTransaction t = store.transaction();
        if (fence != null) {
            t.fencedBy(fence);
        }
        return t;
    }

    private void commit(StoreTransaction t) {
        int writes = t.size() - (fence != null ? 1 : 0);
        own.record(t.commit());
        transactions.increment();
        operations.add(writes);
    }

    private static List<Task> liveTasks(List<Task> tasks) {
        return tasks.stream()
                .filter(t -> t.desiredState() == TaskState.RUNNING
                        && !t.status().state().isTerminal())
                .toList();
    }
}
