package io.shoal.agent.net;

import io.shoal.agent.exec.TaskRuntime;
import io.shoal.agent.worker.TaskNetworking;
import io.shoal.balancer.Balancers;
import io.shoal.balancer.NetworkNamespace;
import io.shoal.balancer.ServiceBalancer;
import io.shoal.controlplane.Lifecycle;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Store;
import io.shoal.dns.forward.UpstreamConfig;
import io.shoal.dns.netns.ContainerDns;
import io.shoal.dns.netns.ContainerDnsBinding;
import io.shoal.dns.netns.DnsRedirect;
import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.server.DnsServer;
import io.shoal.dns.server.DnsServerConfig;
import io.shoal.ingress.health.HealthServer;
import io.shoal.ingress.mesh.RoutingMesh;
import io.shoal.ingress.mesh.UpdateResult;
import io.shoal.ingress.policy.PortPolicy;
import io.shoal.ingress.transport.Transport;
import io.shoal.model.Cidr;
import io.shoal.model.Network;
import io.shoal.model.NodeAvailability;
import io.shoal.model.Task;
import io.shoal.model.table.ServiceTable;
import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.route.Address;
import io.shoal.netlink.route.Link;
import io.shoal.netlink.route.RouteNetlink;
import io.shoal.vxlan.ContainerNamespace;
import io.shoal.vxlan.HostUnderlay;
import io.shoal.vxlan.OverlayDriver;
import io.shoal.vxlan.OverlayMtu;
import java.io.Closeable;
import java.io.IOException;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's data plane, composed from the modules as DESIGN.md's request flow says: the overlay
 * driver (a sandbox per network this node uses, remote endpoints as static entries), the service
 * balancer inside every task's namespace, one embedded DNS server bound at 127.0.0.11 in every
 * task, and the routing mesh on every published port, all serving from one {@link NodeView} rebuilt
 * from the store's watches.
 *
 * <p><b>One thread.</b> Table rebuilds and task wiring run on one thread, so the kernel is changed
 * by one writer and a task is wired against the newest view. Store events only mark the view dirty;
 * a burst of events costs one rebuild.
 *
 * <p><b>Static stability.</b> While ZooKeeper is unreachable nothing is rebuilt: DNS, VIPs and the
 * mesh keep serving the last view. Closing the data plane stops the DNS server and the mesh but
 * leaves the kernel state (sandboxes, VIP rules, remote entries): a restarted agent adopts it. The
 * one exception is the node's policy routing for transparent local forwarding ({@link
 * TransparentRouting}), which serves only the mesh's sockets: it is removed with the mesh and
 * installed again (or adopted after a kill) by the next agent.
 */
public final class DataPlane implements TaskNetworking, Closeable {
    private static final Logger log = LoggerFactory.getLogger(DataPlane.class);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
    private static final List<Kind<?>> WATCHED =
            List.of(Kind.NETWORKS, Kind.SERVICES, Kind.TASKS, Kind.STATUS, Kind.NODES, Kind.MEMBERS);

    private final Store store;
    private final String nodeId;
    private final DataPlaneConfig config;
    private final Lifecycle lifecycle = new Lifecycle("data plane");
    private final ExecutorService thread;
    private final AtomicBoolean dirty = new AtomicBoolean();
    private final List<AutoCloseable> subscriptions = new ArrayList<>();
    private volatile Future<?> started;

    // ---- confined to the data plane thread ----
    private NetNs hostNamespace;
    private OverlayDriver overlay;
    private DnsServer dns;
    private RoutingMesh mesh;
    private HealthServer health;
    private String meshIngressId;
    private Cidr hostIngress;
    private TransparentRouting transparent;
    private boolean transparentReady;
    private long version;
    private volatile NodeView view = NodeView.empty();
    private final Set<String> sandboxes = new HashSet<>();
    /** Namespaces of other nodes' tasks found under this node's prefix (warned about once). */
    private final Set<String> foreignWarned = new HashSet<>();
    /** Names whose removal failed, with the error last logged for each. */
    private final Map<String, String> sweepFailures = new HashMap<>();
    /** Names under this node's prefix that matched no task of the view at the last sweep. */
    private Set<String> unknownSeen = new HashSet<>();

    private final Map<String, WiredTask> wired = new HashMap<>();
    private final BalancerSync vips;

    /**
     * @param store the agent's started store
     * @param nodeId this node
     */
    public DataPlane(Store store, String nodeId, DataPlaneConfig config) {
        this.store = store;
        this.nodeId = nodeId;
        this.config = config;
        this.vips = new BalancerSync(nodeId, 2);
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "shoal-dataplane-" + nodeId);
            t.setDaemon(true);
            return t;
        });
    }

    /** Opens the overlay driver and the DNS server, then follows the store. */
    public void start() {
        startAsync();
        awaitStarted();
    }

    /**
     * Starts opening the overlay driver and the DNS server on the data plane's thread and returns:
     * the agent adopts its tasks and announces itself meanwhile (a restarted agent must be back
     * before the leader's grace period ends). Wiring calls queue behind the start; {@link
     * #awaitStarted} reports how it went.
     */
    public void startAsync() {
        lifecycle.start();
        started = thread.submit(() -> {
            hostNamespace = NetNs.current();
            String device = deviceHolding(hostNamespace, config.underlay());
            overlay = OverlayDriver.open(
                    new HostUnderlay(hostNamespace, config.underlay(), device), config.sandboxPrefix());
            dns = DnsServer.start(DnsServerConfig.defaults().withUpstream(UpstreamConfig.of(config.dnsUpstreams())));
            log.info(
                    "data plane {}: overlay on {} ({}), DNS over {} upstream(s), balancer {}",
                    nodeId,
                    config.underlay().getHostAddress(),
                    device,
                    config.dnsUpstreams().size(),
                    Balancers.choose());
            return null;
        });
        for (Kind<?> kind : WATCHED) {
            subscriptions.add(store.listen(kind, e -> markDirty()));
        }
        markDirty();
    }

    /**
     * Waits until the start is done.
     *
     * @throws RuntimeException the start's failure (e.g. no interface holds the underlay address)
     */
    public void awaitStarted() {
        try {
            started.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("data plane " + nodeId + ": start interrupted", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("data plane " + nodeId + ": not started within " + CALL_TIMEOUT);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("data plane " + nodeId + ": start: " + e.getCause(), e.getCause());
        }
    }

    /** The view served right now. */
    public NodeView view() {
        return view;
    }

    /** The routing mesh, once the ingress network exists. */
    public java.util.Optional<RoutingMesh> mesh() {
        return java.util.Optional.ofNullable(mesh);
    }

    /** The DNS server (for metrics). */
    public DnsServer dns() {
        return dns;
    }

    /** The name under {@code /run/netns} of a task's namespace. */
    public String taskNamespace(String taskId) {
        String name = config.taskNamespacePrefix() + taskId;
        if (name.length() <= 64) {
            return name;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(taskId.getBytes(StandardCharsets.UTF_8));
            return config.taskNamespacePrefix() + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void attach(Task task, TaskRuntime runtime) {
        call("attach task " + task.id(), () -> {
            wire(task, runtime);
            return null;
        });
    }

    @Override
    public void detach(String taskId) {
        call("detach task " + taskId, () -> {
            unwire(taskId);
            return null;
        });
    }

    @Override
    public Duration leaveDelay() {
        return config.leaveDelay();
    }

    /**
     * Removes what this node made for tasks other than {@code current}: a task still wired here is
     * unwired (its DNS binding, VIP rules, overlay endpoints and namespace name); a namespace under
     * {@code /run/netns} named with this node's task prefix that belongs to no current task loses
     * the DNS redirect and VIP rules Shoal put in it, its veth links (their sandbox ends go with
     * them) and its name. Each removal is logged with the task id; one that fails is logged and left
     * for the next sweep. Names of another node's tasks (a prefix shared by mistake), this agent's
     * own namespace and its sandboxes are never touched.
     */
    @Override
    public void sweep(Set<String> current) {
        Set<String> keep = Set.copyOf(current);
        call("sweep", () -> {
            sweepOnThread(keep);
            return null;
        });
    }

    /**
     * Stops serving: the mesh and the DNS server close; the kernel state stays for the next agent
     * (an explicit {@link #removeAll} tears it down).
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
                log.debug("data plane {}: closing a subscription", nodeId, e);
            }
        }
        try {
            thread.submit(this::closeOnThread).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("data plane {}: close: {}", nodeId, e.toString());
        }
        thread.shutdownNow();
    }

    /** Removes everything this data plane made in the kernel: task wiring, sandboxes, the ingress link. */
    public void removeAll() {
        call("remove all", () -> {
            for (String taskId : new ArrayList<>(wired.keySet())) {
                unwire(taskId);
            }
            if (overlay != null) {
                overlay.removeAll();
                sandboxes.clear();
                hostIngress = null;
            }
            return null;
        });
    }

    // ---- on the data plane thread ----

    private void markDirty() {
        if (dirty.compareAndSet(false, true)) {
            try {
                thread.execute(this::rebuildGuarded);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closed meanwhile
            }
        }
    }

    private void rebuildGuarded() {
        dirty.set(false);
        if (overlay == null || dns == null) {
            return; // the start failed: awaitStarted reports why
        }
        try {
            if (!store.connected() && view.table().version() > 0) {
                // Static stability: the last view keeps serving until ZooKeeper is back.
                return;
            }
            NodeView next = NodeViews.from(store, ++version);
            apply(next);
        } catch (RuntimeException e) {
            log.warn("data plane {}: applying the table failed (the next change retries): {}", nodeId, e.toString(), e);
        }
    }

    private void apply(NodeView next) {
        view = next;
        ServiceTable table = next.table();
        dns.update(table);
        next.ingress().ifPresent(this::ensureIngress);
        for (String net : new ArrayList<>(sandboxes)) {
            if (next.networks().containsKey(net)) {
                overlay.syncRemotes(net, Plans.remotes(net, nodeId, next));
            }
        }
        if (mesh != null) {
            UpdateResult r = updateMesh(table);
            if (!r.failed().isEmpty()) {
                log.warn("data plane {}: published ports that cannot listen: {}", nodeId, r.failed());
            }
            if (!r.opened().isEmpty() || !r.closed().isEmpty()) {
                log.info("data plane {}: mesh opened {} closed {}", nodeId, r.opened(), r.closed());
            }
        }
        // Last: each task's VIP rules cost an nft run, so DNS, remotes and the mesh go first.
        for (WiredTask w : wired.values()) {
            program(w);
            try {
                routeReplies(w);
            } catch (RuntimeException e) {
                log.warn("data plane {}: task {}: {}", nodeId, w.taskId, e.getMessage());
            }
        }
        removeUnusedSandboxes();
    }

    /** The mesh's per-port options (PROXY settings from the ports' specs), then its ports and backends. */
    private UpdateResult updateMesh(ServiceTable table) {
        mesh.policies(Plans.meshPolicies(table, PortPolicy.DEFAULT));
        return mesh.update(table);
    }

    /** This host on the ingress network (own address, reached from the sandbox) and the mesh on it. */
    private void ensureIngress(Network ingress) {
        ensureSandbox(ingress.id());
        Cidr mine = view.ingressAddresses().get(nodeId);
        if (mine != null && !mine.equals(hostIngress)) {
            if (hostIngress != null) {
                overlay.detach(ingress.id(), (Inet4Address) hostIngress.inetAddress());
            }
            overlay.attach(
                    ingress.id(),
                    ContainerNamespace.path(Path.of("/proc/self/ns/net")),
                    config.hostIngressInterface(),
                    mine.toString());
            hostIngress = mine;
            // Tasks route replies via the node's ingress address: a new one means new routes.
            wired.values().forEach(w -> w.replyRoute = false);
            log.info("data plane {}: on the ingress network as {}", nodeId, mine);
        }
        if (mesh == null || !ingress.id().equals(meshIngressId)) {
            if (health != null) {
                health.close();
                health = null;
            }
            if (mesh != null) {
                mesh.close();
            }
            mesh = RoutingMesh.builder()
                    .nodeId(nodeId)
                    .ingressNetworkId(ingress.id())
                    .bindAddress(config.meshBind())
                    .transparentLocal(enableTransparent())
                    .build()
                    .start();
            meshIngressId = ingress.id();
            if (config.healthBind() != null) {
                try {
                    health = HealthServer.builder(mesh)
                            .bindAddress(config.healthBind())
                            .build()
                            .start();
                } catch (RuntimeException e) {
                    log.warn("data plane {}: no health endpoint: {}", nodeId, e.getMessage());
                }
            }
        }
        // A drained node tells external load balancers first (503) and keeps forwarding.
        boolean draining = store.get(Kind.NODES, nodeId)
                .map(n -> n.spec().availability() == NodeAvailability.DRAIN)
                .orElse(false);
        if (mesh.isDraining() != draining) {
            mesh.draining(draining);
            log.info("data plane {}: health endpoint says {}", nodeId, draining ? "draining (503)" : "serving");
        }
    }

    /**
     * Installs (or adopts) the policy routing for transparent local forwarding; true when the mesh
     * may use it. Any failure keeps local-policy ports working from the node's own address.
     */
    private boolean enableTransparent() {
        if (config.transparent() == null) {
            return false;
        }
        if (Transport.best().transparentOption() == null) {
            log.warn(
                    "data plane {}: the {} transport cannot open transparent sockets: local-policy ports connect"
                            + " from the node's address",
                    nodeId,
                    Transport.best());
            return false;
        }
        try {
            if (transparent == null) {
                transparent = new TransparentRouting(config.transparent(), hostNamespace, NetworkNamespace.current());
            }
            transparent.install();
            transparentReady = true;
            return true;
        } catch (RuntimeException e) {
            log.warn(
                    "data plane {}: {} could not be installed ({}): local-policy ports connect from the node's"
                            + " address",
                    nodeId,
                    transparent,
                    e.getMessage());
            return false;
        }
    }

    /**
     * Gives a task of a service with a local-policy TCP port its default route via this node's
     * ingress address, once: the mesh connects to it from the client's address, and the replies
     * must come back through the node's transparent socket.
     */
    private void routeReplies(WiredTask w) {
        if (!transparentReady || w.replyRoute || hostIngress == null || !Plans.servesTransparently(w.task, view)) {
            return;
        }
        for (Attachment a : w.attachments) {
            if (view.isIngress(a.networkId())) {
                Inet4Address via = (Inet4Address) hostIngress.inetAddress();
                TransparentRouting.routeRepliesViaNode(w.namespace, a.ifName(), via);
                w.replyRoute = true;
                log.info(
                        "data plane {}: task {} routes replies via {} on {} (local traffic policy)",
                        nodeId,
                        w.taskId,
                        via.getHostAddress(),
                        a.ifName());
                return;
            }
        }
    }

    private void ensureSandbox(String networkId) {
        Network n = view.networks().get(networkId);
        if (n == null) {
            throw new IllegalStateException("network " + networkId + " is not allocated (yet)");
        }
        if (sandboxes.add(networkId)) {
            try {
                overlay.ensureNetwork(networkId, n.vni(), n.subnet().toString(), OverlayMtu.DEFAULT);
                overlay.syncRemotes(networkId, Plans.remotes(networkId, nodeId, view));
            } catch (RuntimeException e) {
                sandboxes.remove(networkId);
                throw e;
            }
        }
    }

    private void removeUnusedSandboxes() {
        for (String net : new ArrayList<>(sandboxes)) {
            boolean used = view.isIngress(net)
                    || wired.values().stream().anyMatch(w -> w.attachments.stream()
                            .anyMatch(a -> a.networkId().equals(net)));
            if (!used) {
                overlay.removeNetwork(net);
                sandboxes.remove(net);
                log.info("data plane {}: network {} has no task here any more; its sandbox is gone", nodeId, net);
            }
        }
    }

    private void wire(Task task, TaskRuntime runtime) {
        if (overlay == null || dns == null) {
            throw new IllegalStateException("the node's data plane did not start (see shoald's log)");
        }
        Path source = runtime.netns()
                .orElseThrow(() -> new IllegalStateException("runtime " + runtime.id() + " has no network namespace"));
        // The newest view: the task's networks may have been created a moment ago.
        view = NodeViews.from(store, ++version);
        List<Attachment> attachments = Plans.attachments(task, view);
        if (attachments.size() < task.addresses().size()) {
            throw new IllegalStateException("task " + task.id() + " has addresses on networks this node does not know: "
                    + task.addresses().keySet());
        }
        String name = taskNamespace(task.id());
        if (NetNs.isStale(name)) {
            NetNs.deleteIfPresent(name);
        }
        if (!NetNs.exists(name)) {
            NetNs.attach(name, source).close();
        }
        WiredTask w = wired.get(task.id());
        if (w == null) {
            w = new WiredTask(task, name, attachments);
            wired.put(task.id(), w);
        }
        try {
            ContainerNamespace ns = ContainerNamespace.path(NetNs.RUN_NETNS.resolve(name));
            for (Attachment a : attachments) {
                ensureSandbox(a.networkId());
                overlay.attach(a.networkId(), ns, a.ifName(), a.address().toString());
            }
            DnsScope scope = new DnsScope(Plans.dnsScope(attachments, view));
            if (w.dns == null) {
                w.dns = ContainerDns.bind(dns, NetNs.RUN_NETNS.resolve(name), scope, config.dnsPort53());
            } else {
                w.dns.scope(scope);
            }
            if (w.balancer == null) {
                w.balancer = Balancers.forNamespace(NetworkNamespace.named(name));
            }
            vips.applyNow(task.id(), w.balancer, Plans.balancer(Plans.dnsScope(attachments, view), view));
            w.replyRoute = false; // (re)wired: the namespace may be new
            routeReplies(w);
            // Other nodes learn this task from the table; this node serves it in DNS/VIPs/mesh now.
            dns.update(view.table());
            if (mesh != null) {
                updateMesh(view.table());
            }
            log.info("data plane {}: task {} wired: {}", nodeId, task.id(), attachments);
        } catch (RuntimeException e) {
            unwire(task.id());
            throw e;
        }
    }

    private void sweepOnThread(Set<String> current) {
        if (!sweepFailures.isEmpty()) {
            sweepFailures.keySet().retainAll(NetNs.list());
        }
        int removed = 0;
        for (String taskId : new ArrayList<>(wired.keySet())) {
            if (!current.contains(taskId)) {
                String name = wired.get(taskId).namespace;
                try {
                    unwire(taskId);
                    removed++;
                    log.info(
                            "data plane {}: swept task {}: it has no runtime here any more; its wiring and namespace {}"
                                    + " are removed",
                            nodeId,
                            taskId,
                            name);
                } catch (RuntimeException e) {
                    sweepFailed("task " + taskId + " (namespace " + name + ")", name, e);
                }
            }
        }
        removed += sweepTaskNamespaces(current);
        if (removed > 0) {
            log.info("data plane {}: sweep removed the objects of {} gone task(s)", nodeId, removed);
        }
        sweepSandboxes(current);
    }

    /** Namespaces named with this node's task prefix that belong to no current task; returns how many went. */
    private int sweepTaskNamespaces(Set<String> current) {
        int removed = 0;
        Set<String> keep = new HashSet<>();
        current.forEach(id -> keep.add(taskNamespace(id)));
        wired.keySet().forEach(id -> keep.add(taskNamespace(id)));
        List<String> candidates = NetNs.list().stream()
                .filter(n -> isTaskNamespaceName(n) && !keep.contains(n))
                .toList();
        // Only names still here are remembered (warned about, or seen once while unknown).
        foreignWarned.retainAll(candidates);
        if (candidates.isEmpty()) {
            unknownSeen = new HashSet<>();
            return 0;
        }
        Map<String, Task> known = new HashMap<>();
        for (Task t : store.list(Kind.TASKS)) {
            known.put(taskNamespace(t.id()), t);
        }
        Set<String> unknownBefore = unknownSeen;
        unknownSeen = new HashSet<>();
        for (String name : candidates) {
            Task t = known.get(name);
            if (t == null) {
                // No task of the view has this name: not a task, or one whose record the
                // orchestrator deleted once it had ended (task history limit), so nothing runs in
                // it. Swept only while the view is current and once it was here at the last sweep
                // too, so that a task created a moment ago that the view does not show yet keeps
                // its namespace.
                unknownSeen.add(name);
                if (!store.connected() || !unknownBefore.contains(name)) {
                    continue;
                }
            }
            if (t != null && !t.nodeId().equals(nodeId)) {
                if (foreignWarned.add(name)) {
                    log.warn(
                            "data plane {}: namespace {} is task {} of node {}: not swept (agents sharing a machine"
                                    + " need distinct --netns-prefix values; this one is {})",
                            nodeId,
                            name,
                            t.id(),
                            t.nodeId(),
                            config.taskNamespacePrefix());
                }
                continue;
            }
            String taskId = t != null
                    ? t.id()
                    : name.substring(config.taskNamespacePrefix().length());
            try {
                if (isOwnNamespace(name)) {
                    continue;
                }
                List<String> links = removeTaskNamespace(name);
                sweepFailures.remove(name);
                removed++;
                log.info(
                        "data plane {}: swept task {} (no runtime on this node): namespace {} removed{}",
                        nodeId,
                        taskId,
                        name,
                        links.isEmpty() ? "" : " with its links " + links);
            } catch (RuntimeException e) {
                sweepFailed("task " + taskId + " (namespace " + name + ")", name, e);
            }
        }
        return removed;
    }

    /**
     * Sandboxes with this node's prefix that no current task and not the ingress network use, left
     * when the last task of a network here went away while the agent was down. Only while the view
     * is current and knows every current task's networks (an adopted task is re-wired from them).
     */
    private void sweepSandboxes(Set<String> current) {
        if (overlay == null || !store.connected() || view.table().version() == 0) {
            return;
        }
        Set<String> used = new HashSet<>();
        for (String id : sandboxes) {
            used.add(overlay.sandboxName(id));
        }
        view.ingress().ifPresent(n -> used.add(overlay.sandboxName(n.id())));
        for (String taskId : current) {
            Task t = store.get(Kind.TASKS, taskId).orElse(null);
            if (t == null) {
                return; // a runtime of a task the view does not show: its networks are unknown
            }
            t.addresses().keySet().forEach(net -> used.add(overlay.sandboxName(net)));
        }
        String prefix = config.sandboxPrefix();
        for (String name : overlay.sandboxes()) {
            if (used.contains(name)) {
                continue;
            }
            try {
                // A sandbox is named by its network id's first characters: that part removes it.
                overlay.removeNetwork(name.substring(prefix.length()));
                sweepFailures.remove(name);
                log.info("data plane {}: swept sandbox {}: no task of this node uses its network", nodeId, name);
            } catch (RuntimeException e) {
                sweepFailed("sandbox " + name, name, e);
            }
        }
    }

    /**
     * A removal failed: logged as a warning, again only when its error changes (the sweep retries it
     * every pass, and a stuck name must not flood the log); the next sweep (pass or start) retries.
     */
    private void sweepFailed(String what, String name, RuntimeException e) {
        String why = e.toString();
        if (why.equals(sweepFailures.put(name, why))) {
            log.debug("data plane {}: sweeping {} failed again: {}", nodeId, what, why);
        } else {
            log.warn("data plane {}: sweeping {} failed; retried by every sweep: {}", nodeId, what, why);
        }
    }

    /** Named like a task namespace of this node: its task prefix, and not one of its sandboxes. */
    private boolean isTaskNamespaceName(String name) {
        String prefix = config.taskNamespacePrefix();
        return name.startsWith(prefix) && name.length() > prefix.length() && !name.startsWith(config.sandboxPrefix());
    }

    /** True when {@code /run/netns/<name>} is the namespace this agent itself runs in. */
    private boolean isOwnNamespace(String name) {
        try {
            Object own = Files.getAttribute(Path.of("/proc/self/ns/net"), "unix:ino");
            Object named = Files.getAttribute(NetNs.RUN_NETNS.resolve(name), "unix:ino");
            if (own.equals(named)) {
                log.warn("data plane {}: namespace {} is the agent's own: not swept", nodeId, name);
                return true;
            }
            return false;
        } catch (IOException e) {
            throw new IllegalStateException("stat namespace " + name + ": " + e, e);
        }
    }

    /**
     * Removes a gone task's namespace: the rules Shoal made in it (DNS redirect, VIPs), its veth
     * links through netlink (each deletes its peer in the overlay sandbox at once, rather than
     * whenever the kernel dismantles the namespace), then its name (unmount and unlink). Returns the
     * links deleted.
     */
    private List<String> removeTaskNamespace(String name) {
        List<String> deleted = new ArrayList<>();
        if (NetNs.isStale(name)) {
            // A name whose bind mount was lost holds nothing: only the file is left.
            NetNs.deleteIfPresent(name);
            return deleted;
        }
        Path path = NetNs.RUN_NETNS.resolve(name);
        if (DnsRedirect.isAvailable()) {
            try {
                DnsRedirect.remove(path);
            } catch (RuntimeException e) {
                log.debug("data plane {}: namespace {}: removing the DNS redirect: {}", nodeId, name, e.toString());
            }
        }
        try {
            Balancers.forNamespace(NetworkNamespace.named(name)).close();
        } catch (RuntimeException e) {
            log.debug("data plane {}: namespace {}: removing the VIP rules: {}", nodeId, name, e.toString());
        }
        try (NetNs ns = NetNs.open(name);
                RouteNetlink rt = RouteNetlink.open(ns)) {
            for (Link l : rt.links().list()) {
                if (l.kind().filter("veth"::equals).isPresent() && rt.links().deleteIfPresent(l.name())) {
                    deleted.add(l.name());
                }
            }
        }
        NetNs.delete(name);
        return deleted;
    }

    private void program(WiredTask w) {
        vips.offer(w.taskId, Plans.balancer(Plans.dnsScope(w.attachments, view), view));
    }

    private void unwire(String taskId) {
        WiredTask w = wired.remove(taskId);
        String name = w != null ? w.namespace : taskNamespace(taskId);
        if (w != null) {
            if (w.dns != null) {
                w.dns.close();
            }
            if (w.balancer != null) {
                vips.remove(taskId);
            }
            for (Attachment a : w.attachments) {
                if (sandboxes.contains(a.networkId())) {
                    try {
                        overlay.detach(a.networkId(), (Inet4Address) a.address().inetAddress());
                    } catch (RuntimeException e) {
                        log.debug("data plane {}: task {}: detach {}: {}", nodeId, taskId, a, e.toString());
                    }
                }
            }
        }
        NetNs.deleteIfPresent(name);
        removeUnusedSandboxes();
    }

    private Void closeOnThread() {
        vips.close();
        if (health != null) {
            health.close();
        }
        if (mesh != null) {
            mesh.close();
        }
        if (transparentReady) {
            // The mesh's transparent sockets are gone with it; a restarted agent installs it again.
            try {
                transparent.remove();
            } catch (RuntimeException e) {
                log.warn("data plane {}: removing {}: {}", nodeId, transparent, e.getMessage());
            }
            transparentReady = false;
        }
        for (WiredTask w : wired.values()) {
            if (w.dns != null) {
                w.dns.close();
            }
        }
        if (dns != null) {
            dns.close();
        }
        if (overlay != null) {
            overlay.close();
        }
        if (hostNamespace != null) {
            hostNamespace.close();
        }
        return null;
    }

    private <T> T call(String what, Callable<T> work) {
        Future<T> f = thread.submit(work);
        try {
            return f.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("data plane " + nodeId + ": " + what + ": interrupted", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "data plane " + nodeId + ": " + what + ": no answer within " + CALL_TIMEOUT);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("data plane " + nodeId + ": " + what + ": " + e.getCause(), e.getCause());
        }
    }

    /** The link of the agent's namespace that holds the underlay address. */
    static String deviceHolding(NetNs namespace, Inet4Address address) {
        try (RouteNetlink rt = RouteNetlink.open(namespace)) {
            for (Address a : rt.addresses().list()) {
                if (a.address().equals(address)) {
                    return rt.links().get(a.index()).map(Link::name).orElseThrow();
                }
            }
        }
        throw new IllegalArgumentException("underlay address " + address.getHostAddress()
                + " is on no interface of this host: pass one of its addresses as --advertise-addr");
    }

    /** What this node made for one of its tasks. */
    private static final class WiredTask {
        final Task task;
        final String taskId;
        final String namespace;
        final List<Attachment> attachments;
        ContainerDnsBinding dns;
        ServiceBalancer balancer;
        boolean replyRoute;

        WiredTask(Task task, String namespace, List<Attachment> attachments) {
            this.task = task;
            this.taskId = task.id();
            this.namespace = namespace;
            this.attachments = attachments;
        }
    }
}
