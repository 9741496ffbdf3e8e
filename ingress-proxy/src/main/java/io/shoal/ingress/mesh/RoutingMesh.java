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
import io.shoal.model.PublishMode;
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
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final Map<PortKey, PortListener> listeners = new LinkedHashMap<>();
    private final Map<PortKey, PortMetrics> metrics = new ConcurrentHashMap<>();
    private final LongAdder bindFailures = new LongAdder();
    private volatile PortPolicies policies;
    private volatile int listening;
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
        PortPolicies current = policies;

        for (PortKey key : List.copyOf(listeners.keySet())) {
            if (!desired.containsKey(key)) {
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
            PortPolicy policy = current.forPort(key);
            if (key.protocol() == io.shoal.model.Protocol.UDP && policy.sendProxyProtocol() != ProxyProtocol.NONE) {
                // There is no agreed way to carry PROXY on datagrams (per datagram or first only).
                LOG.warn("published port {}: PROXY protocol is not sent on UDP ports; option ignored", key);
            }
            PortListener existing = listeners.get(key);
            if (existing != null) {
                existing.runtime.policy(policy);
                existing.runtime.pool().update(e.getValue().targets(), policy.balance(), policy.drainTimeout());
                updated.add(key);
                continue;
            }
            PortMetrics m = metrics.computeIfAbsent(key, PortMetrics::new);
            BackendPool pool = new BackendPool("published port " + key, group);
            pool.update(e.getValue().targets(), policy.balance(), policy.drainTimeout());
            PortListener l = new PortListener(new PortRuntime(key, pool, m, transport, policy));
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
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private Map<PortKey, Desired> desired(ServiceTable table) {
        Map<PortKey, Desired> out = new LinkedHashMap<>();
        for (PublishedPort p : table.publishedPorts()) {
            PortKey key = new PortKey(p.port().publishedPort(), p.port().protocol());
            List<BackendPool.Target> targets = new ArrayList<>();
            if (p.port().publishMode() == PublishMode.HOST) {
                for (TaskEndpoint t : p.service().readyTasks()) {
                    if (t.nodeId().equals(nodeId)) {
                        InetAddress a = hostModeAddress(t);
                        if (a != null) {
                            targets.add(new BackendPool.Target(
                                    new InetSocketAddress(a, p.port().targetPort()), t.taskId()));
                        }
                    }
                }
                if (targets.isEmpty()) {
                    continue;
                }
            } else {
                for (TaskEndpoint t : p.service().readyTasks()) {
                    InetAddress a = t.addressOn(ingressNetworkId);
                    if (a != null) {
                        targets.add(new BackendPool.Target(
                                new InetSocketAddress(a, p.port().targetPort()), t.taskId()));
                    }
                }
            }
            out.put(key, new Desired(p.service().name(), targets));
        }
        return out;
    }

    /** A host-mode task is reached on the ingress network when it is attached, else on its first network. */
    private InetAddress hostModeAddress(TaskEndpoint t) {
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

    private record Desired(String service, List<BackendPool.Target> targets) {}

    /** Configuration of a {@link RoutingMesh}. */
    public static final class Builder {
        private String nodeId;
        private String ingressNetworkId;
        private InetAddress bindAddress;
        private Transport transport;
        private int threads;
        private MeshListener listener = new MeshListener() {};
        private PortPolicies policies = PortPolicies.standard();

        private Builder() {}

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
            return new RoutingMesh(this);
        }
    }
}
