package io.shoal.ingress.mesh;

import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.shoal.ingress.balance.BackendPool;
import io.shoal.ingress.metrics.MetricsSnapshot;
import io.shoal.ingress.metrics.PortMetrics;
import io.shoal.ingress.metrics.Sample;
import io.shoal.ingress.policy.PortKey;
import io.shoal.ingress.policy.PortPolicy;
import io.shoal.ingress.policy.ProxyProtocol;
import io.shoal.ingress.port.PortRuntime;
import io.shoal.ingress.transport.Transport;
import io.shoal.model.Protocol;
import io.shoal.model.PublishMode;
import io.shoal.model.TrafficPolicy;
import io.shoal.model.table.PublishedPort;
import io.shoal.model.table.ServiceTable;
import io.shoal.model.table.TaskEndpoint;
import java.io.Closeable;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routing mesh of one node: it listens on every published port of the current
 * {@link ServiceTable} and forwards to the service's ready tasks over the ingress network.
 *
 * <p>Ports published in {@code ingress} mode listen on every node; {@code host}-mode ports listen
 * only while this node runs a ready task of the service, and forward to the local tasks alone.
 * Each {@link #update} reconciles: new ports open, removed ports close (their connections drain),
 * kept ports swap their backend set atomically. A port that cannot bind (taken by something else)
 * is reported in the result and to the {@link MeshListener}, and retried on the next update; the
 * other ports are not affected.
 *
 * <p>A port with the {@code local} traffic policy forwards only to ready tasks on this node; it
 * keeps listening on a node without one (connections are closed at once) so that the port stays
 * reserved, and its {@link #portState} says it has no backend, which the health endpoint turns
 * into a 503 for the external load balancer.
 *
 * <p>{@link #draining(boolean)} marks the node as leaving: the health endpoint answers 503 for
 * the node and every port, while the mesh keeps serving existing and new connections, so that an
 * external load balancer stops sending before the node's tasks stop.
 *
 * <p>Lifecycle: {@link #start()} once, {@link #update} from one control thread (never an event
 * loop: it waits for binds), {@link #close()}.
 */
public final class RoutingMesh implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(RoutingMesh.class);

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final String nodeId;
    private final String ingressNetworkId;
    private final InetAddress bindAddress;
    private final Transport transport;
    private final int threads;
    private final MeshListener listener;
    private final boolean transparentLocal;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final Map<PortKey, PortListener> listeners = new LinkedHashMap<>();
    private final Map<PortKey, PortMetrics> metrics = new ConcurrentHashMap<>();
    private final LongAdder bindFailures = new LongAdder();
    private volatile PortPolicies policies;
    private volatile int listening;
    private volatile boolean draining;
    /** The published ports of the applied table, swapped whole after each update; read lock-free. */
    private volatile Map<PortKey, Published> published = Map.of();

    private long appliedVersion = Long.MIN_VALUE;
    private EventLoopGroup group;

    private RoutingMesh(Builder b) {
        this.nodeId = b.nodeId;
        this.ingressNetworkId = b.ingressNetworkId;
        this.bindAddress = b.bindAddress;
        this.transport = b.transport;
        this.threads = b.threads;
        this.listener = b.listener;
        this.policies = b.policies;
        this.transparentLocal = b.transparentLocal;
    }

    /** A builder; {@code nodeId} and {@code ingressNetworkId} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts the event loops. A second start fails. */
    public RoutingMesh start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("routing mesh: start() called in state " + state.get());
        }
        group = transport.newGroup(threads, "shoal-ingress");
        LOG.info(
                "routing mesh on node {} uses {} ({} threads), ingress network {}",
                nodeId,
                transport,
                threads == 0 ? "default" : threads,
                ingressNetworkId);
        return this;
    }

    /** True between {@link #start()} and {@link #close()}. */
    public boolean isStarted() {
        return state.get() == State.STARTED;
    }

    /**
     * Marks the node as draining (or not). While draining, the health endpoint answers 503 for the
     * node and for every port; forwarding is not affected at all, so connections an external load
     * balancer still sends (until its next check) are served.
     */
    public void draining(boolean value) {
        if (draining != value) {
            LOG.info("routing mesh on node {}: {}", nodeId, value ? "draining (health answers 503)" : "not draining");
        }
        draining = value;
    }

    /** True while the node is marked draining. */
    public boolean isDraining() {
        return draining;
    }

    /** This node's id. */
    public String nodeId() {
        return nodeId;
    }

    /**
     * The event loops of the mesh, for listeners that belong with it (the health endpoint). The mesh
     * owns them: never shut them down; they end with {@link #close()}. Null before {@link #start()}.
     */
    public EventLoopGroup eventLoopGroup() {
        return group;
    }

    /**
     * The state of a published port of the applied table on this node, or empty when the table does
     * not publish it. Lock-free (an event loop may call it).
     */
    public Optional<PortState> portState(PortKey key) {
        Published p = published.get(key);
        return p == null ? Optional.empty() : Optional.of(p.state(key));
    }

    /** The state of every published port of the applied table on this node. Lock-free. */
    public List<PortState> portStates() {
        List<PortState> out = new ArrayList<>();
        published.forEach((k, p) -> out.add(p.state(k)));
        return out;
    }

    /** The transport the mesh runs on. */
    public Transport transport() {
        return transport;
    }

    /** Replaces the per-port options; they apply to ports from the next {@link #update}. */
    public void policies(PortPolicies next) {
        this.policies = Objects.requireNonNull(next, "policies");
    }

    /**
     * Reconciles listeners and backends with {@code table}. Blocks until binds are done. A table
     * older than the last one applied is ignored ({@link UpdateResult#stale()}); the same version
     * may be applied again (it retries ports that failed to bind).
     */
    public synchronized UpdateResult update(ServiceTable table) {
        Objects.requireNonNull(table, "table");
        if (state.get() != State.STARTED) {
            throw new IllegalStateException("routing mesh: update() needs a started mesh, state is " + state.get());
        }
        if (onEventLoop()) {
            throw new IllegalStateException(
                    "routing mesh: update() must not run on an event loop (it waits for binds)");
        }
        if (table.version() < appliedVersion) {
            // Snapshots can arrive out of order (a slow watcher); going back would resurrect
            // removed backends.
            LOG.warn("ignoring table version {}: version {} is already applied", table.version(), appliedVersion);
            return UpdateResult.ignoredAsStale();
        }
        appliedVersion = table.version();
        Map<PortKey, Desired> desired = desired(table);
        List<PortKey> opened = new ArrayList<>();
        List<PortKey> updated = new ArrayList<>();
        List<PortKey> closed = new ArrayList<>();
        List<PortFailure> failed = new ArrayList<>();
        Map<PortKey, String> failures = new LinkedHashMap<>();
        PortPolicies current = policies;

        for (PortKey key : List.copyOf(listeners.keySet())) {
            Desired d = desired.get(key);
            if (d == null || !d.listen()) {
                PortListener l = listeners.remove(key);
                l.close();
                l.runtime.pool().drainAll(l.runtime.policy().drainTimeout());
                closed.add(key);
                LOG.info("published port {} closed (no longer in the table for this node)", key);
                listener.portClosed(key);
            }
        }
        for (Map.Entry<PortKey, Desired> e : desired.entrySet()) {
            PortKey key = e.getKey();
            if (!e.getValue().listen()) {
                continue;
            }
            PortPolicy policy = current.forPort(key);
            if (key.protocol() == io.shoal.model.Protocol.UDP && policy.sendProxyProtocol() != ProxyProtocol.NONE) {
                // There is no agreed way to carry PROXY on datagrams (per datagram or first only).
                LOG.warn("published port {}: PROXY protocol is not sent on UDP ports; option ignored", key);
            }
            // Only TCP: a datagram relayed from a foreign address would need the same routing per
            // flow, and UDP flows are not made transparent (yet).
            // And only to tasks reached on the ingress network: the node has an address there, so
            // the task's replies to the client can be routed back through it.
            boolean transparent = transparentLocal
                    && e.getValue().localOnly()
                    && e.getValue().onIngress()
                    && key.protocol() == Protocol.TCP;
            PortListener existing = listeners.get(key);
            if (existing != null) {
                existing.runtime.transparent(transparent);
                existing.runtime.policy(policy);
                existing.runtime.pool().update(e.getValue().targets(), policy.balance(), policy.drainTimeout());
                updated.add(key);
                continue;
            }
            PortMetrics m = metrics.computeIfAbsent(key, PortMetrics::new);
            BackendPool pool = new BackendPool("published port " + key, group);
            pool.update(e.getValue().targets(), policy.balance(), policy.drainTimeout());
            PortRuntime runtime = new PortRuntime(key, pool, m, transport, policy);
            runtime.transparent(transparent);
            PortListener l = new PortListener(runtime);
            InetSocketAddress address = new InetSocketAddress(bindAddress, key.port());
            ChannelFuture f = l.bind(group, address);
            if (!f.awaitUninterruptibly(10, TimeUnit.SECONDS) || !f.isSuccess()) {
                Throwable cause = f.cause();
                boolean conflict = isConflict(cause);
                String message = "published port " + key + ": cannot listen on "
                        + address.getAddress().getHostAddress()
                        + ":" + key.port() + ": "
                        + (conflict ? "address already in use by another process or socket" : String.valueOf(cause));
                PortFailure failure = new PortFailure(key, conflict, message, cause);
                failed.add(failure);
                failures.put(key, conflict ? "address in use" : String.valueOf(cause));
                bindFailures.increment();
                f.channel().close();
                pool.drainAll(java.time.Duration.ZERO);
                LOG.error(message);
                listener.portFailed(failure);
                continue;
            }
            listeners.put(key, l);
            opened.add(key);
            LOG.info(
                    "published port {} listening on {} for service {} ({} backends)",
                    key,
                    l.localAddress(),
                    e.getValue().service(),
                    e.getValue().targets().size());
            listener.portOpened(key, l.localAddress());
        }
        listening = listeners.size();
        Map<PortKey, Published> next = new LinkedHashMap<>();
        desired.forEach((key, d) -> {
            PortListener l = listeners.get(key);
            next.put(
                    key,
                    new Published(
                            d.service(),
                            d.mode(),
                            d.trafficPolicy(),
                            l == null ? null : l.runtime.pool(),
                            failures.getOrDefault(key, "")));
        });
        published = Map.copyOf(next);
        return new UpdateResult(opened, updated, closed, failed, false);
    }

    private boolean onEventLoop() {
        for (io.netty.util.concurrent.EventExecutor e : group) {
            if (e.inEventLoop()) {
                return true;
            }
        }
        return false;
    }

    /** The ports this node listens on now. */
    public synchronized List<PortKey> listening() {
        return List.copyOf(listeners.keySet());
    }

    /** Where a published port is bound, if it is. */
    public synchronized Optional<SocketAddress> boundAddress(PortKey key) {
        PortListener l = listeners.get(key);
        return l == null ? Optional.empty() : Optional.of(l.localAddress());
    }

    /** The backend pool of a listening port (for status and tests). */
    public synchronized Optional<BackendPool> pool(PortKey key) {
        PortListener l = listeners.get(key);
        return l == null ? Optional.empty() : Optional.of(l.runtime.pool());
    }

    /** The counters of one port (kept after it closes, so counters stay monotonic). */
    public Optional<PortMetrics> portMetrics(PortKey key) {
        return Optional.ofNullable(metrics.get(key));
    }

    /** Every metric of the mesh now. */
    public MetricsSnapshot metrics() {
        List<Sample> out = new ArrayList<>();
        out.add(new Sample("shoal_ingress_listeners", "", listening));
        out.add(new Sample("shoal_ingress_bind_failures_total", "", bindFailures.sum()));
        out.add(new Sample("shoal_ingress_draining", "", draining ? 1 : 0));
        metrics.values().forEach(m -> out.addAll(m.samples()));
        return new MetricsSnapshot(out);
    }

    @Override
    /** Closes every listener and the event loops; open connections are closed with them. */
    public synchronized void close() {
        if (state.getAndSet(State.CLOSED) != State.STARTED) {
            return;
        }
        listeners.values().forEach(PortListener::close);
        listeners.clear();
        published = Map.of();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private Map<PortKey, Desired> desired(ServiceTable table) {
        Map<PortKey, Desired> out = new LinkedHashMap<>();
        for (PublishedPort p : table.publishedPorts()) {
            PortKey key = new PortKey(p.port().publishedPort(), p.port().protocol());
            PublishMode mode = p.port().publishMode();
            TrafficPolicy traffic = p.port().trafficPolicy();
            boolean localOnly = mode == PublishMode.HOST || traffic == TrafficPolicy.LOCAL;
            List<BackendPool.Target> targets = new ArrayList<>();
            boolean onIngress = true;
            for (TaskEndpoint t : p.service().readyTasks()) {
                if (localOnly && !t.nodeId().equals(nodeId)) {
                    continue;
                }
                // A local task is reached at its ingress address when attached, else on its first
                // network; a remote one only over the ingress network.
                InetAddress a = localOnly ? localAddress(t) : t.addressOn(ingressNetworkId);
                onIngress &= t.addressOn(ingressNetworkId) != null;
                if (a != null) {
                    targets.add(new BackendPool.Target(
                            new InetSocketAddress(a, p.port().targetPort()), t.taskId()));
                }
            }
            // A host-mode port binds only where a task runs; an ingress port (either policy) binds on
            // every node, so that a local-policy port stays reserved while this node has no task.
            boolean listen = mode != PublishMode.HOST || !targets.isEmpty();
            out.put(key, new Desired(p.service().name(), mode, traffic, listen, targets, onIngress));
        }
        return out;
    }

    /** A local task is reached on the ingress network when it is attached, else on its first network. */
    private InetAddress localAddress(TaskEndpoint t) {
        InetAddress a = t.addressOn(ingressNetworkId);
        if (a != null) {
            return a;
        }
        return t.addresses().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(null);
    }

    private static boolean isConflict(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof BindException
                    || String.valueOf(t.getMessage())
                            .toLowerCase(java.util.Locale.ROOT)
                            .contains("in use")) {
                return true;
            }
        }
        return false;
    }

    private record Desired(
            String service,
            PublishMode mode,
            TrafficPolicy trafficPolicy,
            boolean listen,
            List<BackendPool.Target> targets,
            boolean onIngress) {
        boolean localOnly() {
            return mode == PublishMode.HOST || trafficPolicy == TrafficPolicy.LOCAL;
        }
    }

    /** A published port of the applied table; {@code pool} is null when this node does not listen. */
    private record Published(
            String service, PublishMode mode, TrafficPolicy trafficPolicy, BackendPool pool, String failure) {
        PortState state(PortKey key) {
            return new PortState(
                    key,
                    service,
                    mode,
                    trafficPolicy,
                    pool != null,
                    pool == null ? 0 : pool.active().size(),
                    failure);
        }
    }

    /** Configuration of a {@link RoutingMesh}. */
    public static final class Builder {
        private String nodeId;
        private String ingressNetworkId;
        private InetAddress bindAddress;
        private Transport transport;
        private int threads;
        private MeshListener listener = new MeshListener() {};
        private PortPolicies policies = PortPolicies.standard();
        private boolean transparentLocal;

        private Builder() {}

        /**
         * Connect to local tasks of local-only ports (the {@code local} traffic policy, host mode)
         * from the client's own address ({@code IP_TRANSPARENT}), so the task sees the client without
         * a PROXY header; only ports whose local tasks are on the ingress network (where the node has
         * an address to route replies through). Default off. Needs CAP_NET_ADMIN, the epoll or io_uring transport, and the
         * node's policy routing that delivers replies for foreign addresses to local transparent
         * sockets (see the README); without that routing, connects time out.
         */
        public Builder transparentLocal(boolean v) {
            transparentLocal = v;
            return this;
        }

        /** This node's id: host-mode ports listen only where a ready task runs on it. Required. */
        public Builder nodeId(String v) {
            nodeId = v;
            return this;
        }

        /** The id of the ingress network: tasks are reached at their address on it. Required. */
        public Builder ingressNetworkId(String v) {
            ingressNetworkId = v;
            return this;
        }

        /** The local address published ports bind to; default the wildcard {@code 0.0.0.0}. */
        public Builder bindAddress(InetAddress v) {
            bindAddress = v;
            return this;
        }

        /** The transport; default {@link Transport#best()}. */
        public Builder transport(Transport v) {
            transport = v;
            return this;
        }

        /** Event loop threads; 0 (default) lets Netty choose (2 × cores). */
        public Builder threads(int v) {
            if (v < 0) {
                throw new IllegalArgumentException("threads: " + v + " is negative");
            }
            threads = v;
            return this;
        }

        /** Who hears about opened, closed and failed ports; default: nobody (they are logged). */
        public Builder listener(MeshListener v) {
            listener = Objects.requireNonNull(v, "listener");
            return this;
        }

        /** Per-port options; default {@link PortPolicies#standard()}. */
        public Builder policies(PortPolicies v) {
            policies = Objects.requireNonNull(v, "policies");
            return this;
        }

        /** Checks the configuration (naming a missing field) and builds an unstarted mesh. */
        public RoutingMesh build() {
            if (nodeId == null || nodeId.isBlank()) {
                throw new IllegalArgumentException("nodeId: required (host-mode ports depend on it)");
            }
            if (ingressNetworkId == null || ingressNetworkId.isBlank()) {
                throw new IllegalArgumentException("ingressNetworkId: required (backends are reached on it)");
            }
            if (bindAddress == null) {
                try {
                    bindAddress = InetAddress.getByAddress(new byte[4]);
                } catch (java.net.UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
            if (transport == null) {
                transport = Transport.best();
            }
            transport.ensureAvailable();
            if (transparentLocal && transport.transparentOption() == null) {
                throw new IllegalArgumentException("transparentLocal: the " + transport
                        + " transport cannot set IP_TRANSPARENT; use epoll or io_uring");
            }
            return new RoutingMesh(this);
        }
    }
}
