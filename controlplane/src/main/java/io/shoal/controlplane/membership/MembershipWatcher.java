package io.shoal.controlplane.membership;

import io.shoal.controlplane.Lifecycle;
import io.shoal.controlplane.store.AlreadyExistsException;
import io.shoal.controlplane.store.ConflictException;
import io.shoal.controlplane.store.Fence;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.NotFoundException;
import io.shoal.controlplane.store.Store;
import io.shoal.controlplane.store.StoreEvent;
import io.shoal.controlplane.store.StoreException;
import io.shoal.controlplane.store.StoreTransaction;
import io.shoal.controlplane.store.Stored;
import io.shoal.model.Member;
import io.shoal.model.Meta;
import io.shoal.model.Node;
import io.shoal.model.NodeAvailability;
import io.shoal.model.NodeRole;
import io.shoal.model.NodeSpec;
import io.shoal.model.NodeState;
import io.shoal.model.NodeStatus;
import java.io.Closeable;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's side of membership. When a node's member record appears, the node is registered (if
 * new) and marked READY; when it vanishes, the node is marked DOWN at once and, if it has not come
 * back after the grace period, {@link NodeLostHandler#nodeLost} is called (the orchestrator then
 * reschedules its tasks). A node that comes back within the grace period is not reported.
 *
 * <p>All work runs on one thread, so events and timers never race each other. Node writes are
 * version-checked (retried on conflict) and, when a {@link Fence} is given, fenced: a deposed leader's
 * watcher cannot mark nodes.
 */
public final class MembershipWatcher implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(MembershipWatcher.class);
    private static final int MAX_ATTEMPTS = 5;

    /** Told when a node stayed away longer than the grace period. */
    @FunctionalInterface
    public interface NodeLostHandler {
        void nodeLost(String nodeId);
    }

    private final Store store;
    private final Fence fence;
    private final Duration grace;
    private final Clock clock;
    private final NodeLostHandler handler;
    private final Lifecycle lifecycle = new Lifecycle("membership watcher");
    private final ScheduledExecutorService worker;
    private final Map<String, ScheduledFuture<?>> pending = new ConcurrentHashMap<>();
    private Store.Subscription subscription;

    /**
     * @param store a started store
     * @param fence the leader's fence for this term, or null to write unfenced (a single manager)
     * @param grace how long a vanished node may take to come back before it is reported lost
     * @param clock time for status timestamps
     * @param handler told about lost nodes, on the watcher's thread
     */
    public MembershipWatcher(Store store, Fence fence, Duration grace, Clock clock, NodeLostHandler handler) {
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace: " + grace + " must not be negative");
        }
        this.store = store;
        this.fence = fence;
        this.grace = grace;
        this.clock = clock;
        this.handler = handler;
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "shoal-membership");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts watching, then reconciles every known node and member once. */
    public void start() {
        lifecycle.start();
        subscription = store.listen(Kind.MEMBERS, e -> worker.execute(() -> onMember(e)));
        worker.execute(this::reconcileAll);
    }

    @Override
    public void close() {
        if (lifecycle.close()) {
            if (subscription != null) {
                subscription.close();
            }
            worker.shutdownNow();
        }
    }

    /** Nodes that vanished and are still within their grace period. */
    public Set<String> pending() {
        return Set.copyOf(pending.keySet());
    }

    public Duration grace() {
        return grace;
    }

    private void onMember(StoreEvent<Member> event) {
        if (lifecycle.state() != Lifecycle.State.STARTED) {
            return;
        }
        try {
            switch (event.type()) {
                case CREATED, UPDATED -> present(event.after().value());
                case DELETED -> vanished(event.id());
            }
        } catch (RuntimeException e) {
            log.warn("membership: could not handle {} of member {}: {}", event.type(), event.id(), e.getMessage());
        }
    }

    private void reconcileAll() {
        try {
            for (Member m : store.list(Kind.MEMBERS)) {
                present(m);
            }
            for (Node n : store.list(Kind.NODES)) {
                if (store.get(Kind.MEMBERS, n.id()).isEmpty()) {
                    vanished(n.id());
                }
            }
        } catch (RuntimeException e) {
            log.warn("membership: initial reconcile failed: {}", e.getMessage());
        }
    }

    private void present(Member member) {
        ScheduledFuture<?> timer = pending.remove(member.nodeId());
        if (timer != null) {
            timer.cancel(false);
            log.info("membership: node {} came back within the grace period", member.nodeId());
        }
        NodeStatus ready = NodeStatus.of(NodeState.READY, "member record present", clock.instant());
        Optional<Stored<Node>> existing = store.read(Kind.NODES, member.nodeId());
        if (existing.isEmpty()) {
            Node node = new Node(
                    Meta.created(member.nodeId(), clock.instant()),
                    new NodeSpec("", NodeRole.WORKER, NodeAvailability.ACTIVE, Map.of()),
                    member.description(),
                    ready);
            try {
                write(t -> t.create(Kind.NODES, node));
                log.info("membership: node {} ({}) joined", member.nodeId(), member.hostname());
                return;
            } catch (AlreadyExistsException e) {
                // registered concurrently: fall through to the update
            }
        }
        // moveTo keeps what else the status holds (the node's ingress address).
        updateNode(
                member.nodeId(),
                n -> n.status().state() == NodeState.READY && n.description().equals(member.description())
                        ? n
                        : n.withDescription(member.description())
                                .withStatus(n.status().moveTo(NodeState.READY, ready.message(), ready.since())));
    }

    private void vanished(String nodeId) {
        // Mark DOWN even if the record is already back: events are handled in order, and the
        // CREATED that follows marks the node READY again. Skipping it would hide a flap.
        updateNode(
                nodeId,
                n -> n.status().state() == NodeState.DOWN
                        ? n
                        : n.withStatus(n.status().moveTo(NodeState.DOWN, "member record vanished", clock.instant())));
        if (!pending.containsKey(nodeId)) {
            log.info("membership: node {} is down; lost in {} unless it comes back", nodeId, grace);
            pending.put(nodeId, worker.schedule(() -> graceOver(nodeId), grace.toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    private void graceOver(String nodeId) {
        if (pending.remove(nodeId) == null || lifecycle.state() != Lifecycle.State.STARTED) {
            return;
        }
        if (store.read(Kind.MEMBERS, nodeId).isPresent()) {
            return;
        }
        log.info("membership: node {} stayed away for {}: lost", nodeId, grace);
        try {
            handler.nodeLost(nodeId);
        } catch (RuntimeException e) {
            log.warn("membership: lost-node handler failed for {}", nodeId, e);
        }
    }

    private void updateNode(String nodeId, UnaryOperator<Node> change) {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Optional<Stored<Node>> current = store.read(Kind.NODES, nodeId);
            if (current.isEmpty()) {
                return;
            }
            Node before = current.get().value();
            Node after = change.apply(before);
            if (after.equals(before)) {
                return;
            }
            try {
                write(t -> t.update(Kind.NODES, after));
                return;
            } catch (ConflictException e) {
                log.debug("membership: node {} changed under us, retrying: {}", nodeId, e.getMessage());
            } catch (NotFoundException e) {
                return;
            }
        }
        throw new StoreException("node " + nodeId + ": still conflicting after " + MAX_ATTEMPTS + " attempts");
    }

    private void write(UnaryOperator<StoreTransaction> ops) {
        StoreTransaction t = store.transaction();
        if (fence != null) {
            t.fencedBy(fence);
        }
        ops.apply(t).commit();
    }
}
