package io.shoal.balancer.ipvs;

import io.shoal.balancer.BalancerException;
import io.shoal.balancer.BalancerKind;
import io.shoal.balancer.NetworkNamespace;
import io.shoal.balancer.ServiceBalancer;
import io.shoal.balancer.spec.BalancerOptions;
import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.ServiceDiff;
import io.shoal.balancer.spec.VirtualService;
import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.nftables.NfTables;
import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.route.RouteNetlink;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Balances service VIPs with IPVS (masquerading) through generic netlink.
 *
 * <p>The first {@link #apply} dumps what the kernel holds, plans the difference ({@link
 * IpvsPlanner}) and sends it step by step ({@link IpvsTransaction}): IPVS has no transactions, so
 * a refused step undoes the ones already made. Because the plan starts from a dump, a restarted
 * process adopts what an earlier one left. Later applies plan against the table the last plan
 * produced (computed with {@link IpvsTableEditor}, so a one-backend change costs one request, not a
 * dump of every service); after any failure the next apply dumps again, so a part-way failure is
 * repaired from what the kernel really holds. {@link #dump()} always asks the kernel. This balancer
 * owns every IPVS service of its namespace (a container's namespace has no others).
 *
 * <p>VIPs are bound as host addresses on {@code lo} ({@link VipAddresses}); timeouts are the
 * namespace's ({@code IPVS_CMD_SET_CONFIG}). A removed backend is drained: weight 0 for the drain
 * timeout, then deleted by a timer that re-plans. The namespace's sysctls {@code net.ipv4.vs.
 * conntrack=1} (netfilter sees IPVS flows, as Swarm sets it), {@code expire_nodest_conn=1} (a
 * deleted backend's flows end at their next packet, like the nftables backend after the drain
 * timeout) and {@code expire_quiescent_template=1} (affinity does not hold clients on a draining
 * backend) are set at creation; failing to set them is logged, not fatal.
 *
 * <p>All-ports services are IPVS fwmark services when the namespace's kernel can mark packets with
 * nftables ({@link VipMarker}, {@link IpvsMarks}): the marks are set first (one nf_tables
 * transaction, undone if the IPVS plan is refused), then the plan runs. A kernel that cannot mark
 * (probed at creation, logged once per reason) gets port-zero persistent services instead.
 * {@code -Dshoal.ipvs.fwmark=false} forces that fallback.
 */
public final class IpvsBalancer implements ServiceBalancer {
    private static final Logger LOG = LoggerFactory.getLogger(IpvsBalancer.class);
    /** Reasons for the port-zero fallback already logged: each is logged once per process. */
    private static final Set<String> FALLBACK_LOGGED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static final Map<String, String> SYSCTLS = Map.of(
            "net/ipv4/vs/conntrack", "1",
            "net/ipv4/vs/expire_nodest_conn", "1",
            "net/ipv4/vs/expire_quiescent_template", "1");

    private final NetworkNamespace namespace;
    private final BalancerOptions options;
    private final IpvsClient client;
    private final RouteNetlink rt;
    private final VipAddresses vips;
    /** Marks all-ports VIPs for fwmark services; null when the kernel cannot (port-zero fallback). */
    private final VipMarker marker;
    /** The marks the kernel holds (read with the dump, then kept up to date); empty without a marker. */
    private Map<IpvsMarks.Target, Integer> marks = Map.of();
    /** VIPs whose local route got its preferred source (or could not): asked once per binding. */
    private final Map<InetAddress, Optional<InetAddress>> sources = new HashMap<>();

    private final Clock clock;
    private final ScheduledExecutorService timer;
    private Map<IpvsPlanner.Leaving, Instant> leaving = new HashMap<>();
    private ScheduledFuture<?> reap;
    private DesiredState programmed = DesiredState.empty();
    /** VIPs of services found in the last dump: an adopted service's VIP is unbound with it. */
    private final Set<InetAddress> dumpedVips = new HashSet<>();
    /** The kernel's table after our last successful apply; null until the first dump or after a failure. */
    private IpvsTable known;

    private IpvsConfig knownConfig;
    /** VIPs bound on lo, read with the dump and kept up to date. */
    private Set<InetAddress> bound = new HashSet<>();

    private boolean closed;

    private IpvsBalancer(
            NetworkNamespace namespace, BalancerOptions options, IpvsClient client, RouteNetlink rt, VipMarker marker) {
        this.namespace = namespace;
        this.marker = marker;
        this.options = options;
        this.client = client;
        this.rt = rt;
        this.vips = new VipAddresses(rt);
        this.clock = Clock.systemUTC();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ipvs-drain-" + namespace);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A balancer for {@code namespace}. Nothing is programmed until the first {@link #apply}.
     *
     * @throws UnsupportedOperationException when this kernel has no IPVS, with the cause
     */
    public static IpvsBalancer create(NetworkNamespace namespace, BalancerOptions options) {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(options, "options");
        IpvsProbe.ensureAvailability();
        Optional<String> noMarks = fwmarkUnavailabilityCause(namespace);
        IpvsClient client = null;
        RouteNetlink rt = null;
        NfTables nf = null;
        try {
            if (namespace.isCurrent()) {
                client = IpvsClient.open();
                rt = RouteNetlink.open();
                nf = noMarks.isEmpty() ? NfTables.open() : null;
                setSysctls(namespace);
            } else {
                try (NetNs ns = NetNs.openPath(namespace.path())) {
                    client = IpvsClient.open(ns);
                    rt = RouteNetlink.open(ns);
                    nf = noMarks.isEmpty() ? NfTables.open(ns) : null;
                    ns.run(() -> {
                        setSysctls(namespace);
                        return null;
                    });
                }
            }
            noMarks.ifPresent(why -> {
                if (FALLBACK_LOGGED.add(why)) {
                    LOG.warn(
                            "IPVS all-ports services use port-zero persistent services (one client's connections"
                                    + " within {} s share a backend), not fwmark services: this kernel cannot mark"
                                    + " VIP traffic ({}; first seen in namespace {})",
                            IpvsMapping.ALL_PORTS_PERSISTENCE,
                            why,
                            namespace);
                }
            });
            return new IpvsBalancer(namespace, options, client, rt, nf == null ? null : new VipMarker(namespace, nf));
        } catch (RuntimeException e) {
            if (client != null) {
                client.close();
            }
            if (rt != null) {
                rt.close();
            }
            if (nf != null) {
                nf.close();
            }
            throw e;
        }
    }

    /**
     * Why all-ports services in {@code namespace} cannot be fwmark services, or empty when they can:
     * the nftables mark table is checked with the namespace's kernel ({@link
     * VipMarker#unavailabilityCause}), or {@code -Dshoal.ipvs.fwmark=false} asks for the fallback.
     */
    public static Optional<String> fwmarkUnavailabilityCause(NetworkNamespace namespace) {
        if (!Boolean.parseBoolean(System.getProperty("shoal.ipvs.fwmark", "true"))) {
            return Optional.of("-Dshoal.ipvs.fwmark=false");
        }
        return VipMarker.unavailabilityCause(namespace);
    }

    /** True when all-ports services are fwmark services (the kernel marks their VIPs' packets). */
    public boolean usesFwmarkServices() {
        return marker != null;
    }

    /** The VIP marks the kernel holds, as this balancer last set or read them. */
    public synchronized Map<IpvsMarks.Target, Integer> marks() {
        return marks;
    }

    /** Writes the sysctls; runs on a thread inside the namespace (procfs shows the thread's). */
    private static void setSysctls(NetworkNamespace namespace) {
        for (Map.Entry<String, String> s : SYSCTLS.entrySet()) {
            Path p = Path.of("/proc/sys", s.getKey());
            try {
                Files.writeString(p, s.getValue());
            } catch (IOException | RuntimeException e) {
                LOG.warn("namespace {}: could not set {} = {}: {}", namespace, p, s.getValue(), e.toString());
            }
        }
    }

    @Override
    public BalancerKind kind() {
        return BalancerKind.IPVS;
    }

    @Override
    public NetworkNamespace namespace() {
        return namespace;
    }

    @Override
    public synchronized void apply(DesiredState desired) {
        Objects.requireNonNull(desired, "desired");
        ensureOpen();
        IpvsMapping.check(desired); // refuses what IPVS cannot do before anything is read or changed
        String what = "IPVS apply " + ServiceDiff.between(programmed, desired) + " in namespace " + namespace;
        long start = System.nanoTime();
        load(what);
        Map<IpvsMarks.Target, Integer> wantedMarks =
                marker == null ? Map.of() : IpvsMarks.assign(IpvsMarks.targets(desired.services()), marks);
        IpvsTable target = IpvsMapping.table(desired, marker == null ? null : wantedMarks);
        IpvsPlanner.Plan plan = reconcile(target, wantedMarks, vipsOf(desired), what, options.drainTimeout());
        syncVips(desired, what);
        programmed = desired;
        LOG.debug(
                "namespace {}: {} ({} steps) in {} ms",
                namespace,
                what,
                plan.changes().size(),
                (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * Reads what the kernel holds (IPVS services, timeouts, VIPs on lo and, with a marker, the VIP
     * marks, creating or repairing the mark table) on the first apply and after any failure.
     */
    private void load(String what) {
        if (known != null) {
            return;
        }
        try {
            known = client.dump();
            knownConfig = client.config();
            bound = new HashSet<>(vips.bound());
        } catch (NetlinkException e) {
            known = null;
            throw new BalancerException(what, -1, "reading the IPVS table back: " + e.getMessage(), e);
        }
        for (IpvsServiceKey k : known.entries().keySet()) {
            if (k.fwmark() == 0) {
                dumpedVips.add(k.address());
            }
        }
        if (marker != null) {
            try {
                marks = marker.adopt(what);
            } catch (RuntimeException e) {
                known = null;
                throw e;
            }
            for (IpvsMarks.Target t : marks.keySet()) {
                dumpedVips.add(t.vip());
            }
        }
    }

    private static Set<InetAddress> vipsOf(DesiredState desired) {
        Set<InetAddress> out = new java.util.LinkedHashSet<>();
        for (VirtualService s : desired.services()) {
            out.add(s.vip());
        }
        return out;
    }

    /**
     * Plans and applies against what {@link #load} read; binds new VIPs and sets new marks first so
     * traffic to an added service works at once.
     */
    private IpvsPlanner.Plan reconcile(
            IpvsTable target,
            Map<IpvsMarks.Target, Integer> wantedMarks,
            Set<InetAddress> wantedVips,
            String what,
            Duration drain) {
        load(what);
        IpvsPlanner.Plan plan = IpvsPlanner.plan(
                known, knownConfig, target, IpvsMapping.config(options, knownConfig), leaving, clock.instant(), drain);
        List<InetAddress> added = new ArrayList<>();
        Map<IpvsMarks.Target, Integer> marksBefore = marks;
        boolean marked = false;
        try {
            for (InetAddress a : wantedVips) {
                if (!bound.contains(a) && !added.contains(a)) {
                    if (vips.bind(a)) {
                        added.add(a);
                    } else {
                        bound.add(a); // someone bound it meanwhile: not ours to undo
                    }
                }
            }
            if (marker != null && !wantedMarks.equals(marksBefore)) {
                marker.commit(marksBefore, wantedMarks, what);
                marked = true;
            }
            IpvsTransaction.run(plan.changes(), client, what);
        } catch (RuntimeException e) {
            known = null; // dump again next time: after a refusal, trust only the kernel
            if (marked) {
                try {
                    marker.commit(wantedMarks, marksBefore, what + " (undo)");
                } catch (RuntimeException again) {
                    e.addSuppressed(again);
                }
            }
            for (InetAddress a : added) {
                try {
                    vips.unbind(a);
                } catch (RuntimeException again) {
                    e.addSuppressed(again);
                }
            }
            if (e instanceof BalancerException) {
                throw e;
            }
            throw new BalancerException(what, -1, e.getMessage(), e);
        }
        bound.addAll(added);
        marks = Map.copyOf(wantedMarks);
        // What the kernel now holds, without asking it: the plan applied with the kernel's rules.
        try {
            IpvsTableEditor after = new IpvsTableEditor(known, knownConfig);
            IpvsTransaction.run(plan.changes(), after, what + " (bookkeeping)");
            known = after.table();
            knownConfig = after.config();
        } catch (RuntimeException e) {
            LOG.warn(
                    "{}: the kernel took a plan the in-memory table refuses; dumping next time: {}",
                    what,
                    e.toString());
            known = null;
        }
        leaving = new HashMap<>(plan.leaving());
        scheduleReap(plan);
        return plan;
    }

    /** Unbinds the VIPs no service uses any more. */
    private void syncVips(DesiredState desired, String what) {
        Set<InetAddress> wanted = new HashSet<>();
        for (VirtualService s : desired.services()) {
            wanted.add(s.vip());
        }
        Set<InetAddress> unused = new HashSet<>(dumpedVips);
        for (VirtualService s : programmed.services()) {
            unused.add(s.vip());
        }
        unused.removeAll(wanted);
        dumpedVips.retainAll(wanted);
        for (InetAddress a : unused) {
            try {
                sources.remove(a);
                vips.unbind(a);
                bound.remove(a);
            } catch (RuntimeException e) {
                LOG.warn("{}: could not unbind VIP {} from lo: {}", what, a.getHostAddress(), e.toString());
            }
        }
        // Local clients must not get the VIP as their source (see VipAddresses.preferSource): the
        // VIP's local route prefers the address this namespace reaches the VIP's backends from.
        for (VirtualService s : desired.services()) {
            InetAddress vip = s.vip();
            if (sources.containsKey(vip) || s.backends().isEmpty()) {
                continue;
            }
            try {
                Optional<InetAddress> source =
                        vips.sourceFor(s.backends().get(0).address());
                if (source.isPresent() && !source.get().equals(vip)) {
                    vips.preferSource(vip, source.get());
                }
                sources.put(vip, source);
            } catch (RuntimeException e) {
                LOG.warn(
                        "{}: VIP {} keeps itself as the source of local connections (they may hang): {}",
                        what,
                        vip.getHostAddress(),
                        e.toString());
                sources.put(vip, Optional.empty());
            }
        }
    }

    private void scheduleReap(IpvsPlanner.Plan plan) {
        if (reap != null) {
            reap.cancel(false);
            reap = null;
        }
        plan.nextDeadline().ifPresent(deadline -> {
            long delay = Math.max(0, Duration.between(clock.instant(), deadline).toMillis());
            reap = timer.schedule(this::reapDrained, delay, TimeUnit.MILLISECONDS);
        });
    }

    /** Deletes destinations whose drain timeout has passed: a re-plan of what is programmed. */
    private synchronized void reapDrained() {
        if (closed) {
            return;
        }
        try {
            String what = "IPVS drain in namespace " + namespace;
            load(what);
            // After a failure the marks were read again: give any all-ports service that lost its mark one.
            Map<IpvsMarks.Target, Integer> wanted =
                    marker == null ? Map.of() : IpvsMarks.assign(IpvsMarks.targets(programmed.services()), marks);
            reconcile(
                    IpvsMapping.table(programmed, marker == null ? null : wanted),
                    wanted,
                    vipsOf(programmed),
                    what,
                    options.drainTimeout());
        } catch (RuntimeException e) {
            LOG.warn(
                    "namespace {}: deleting drained IPVS destinations failed; the next apply retries: {}",
                    namespace,
                    e.toString());
        }
    }

    /** What the kernel holds now (a dump), {@code ipvsadm -Ln}-like when printed. */
    public synchronized IpvsTable dump() {
        ensureOpen();
        return client.dump();
    }

    /** The namespace's IPVS timeouts now. */
    public synchronized IpvsConfig timeouts() {
        ensureOpen();
        return client.config();
    }

    @Override
    public synchronized DesiredState current() {
        return programmed;
    }

    /** Deletes every IPVS service of the namespace and unbinds the VIPs, at once (no drain). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            leaving.clear();
            String what = "IPVS close in namespace " + namespace;
            reconcile(IpvsTable.empty(), Map.of(), Set.of(), what, Duration.ZERO);
            syncVips(DesiredState.empty(), "IPVS close");
            programmed = DesiredState.empty();
            if (marker != null) {
                marker.remove(what);
            }
        } finally {
            release();
        }
    }

    /**
     * Closes this balancer's sockets and timer and leaves the kernel as it is: what a process that
     * dies leaves behind, for a later balancer of the namespace to adopt. For tests.
     */
    synchronized void abandon() {
        release();
    }

    /** Closes the sockets and the timer; the kernel keeps what it has. */
    private void release() {
        closed = true;
        if (reap != null) {
            reap.cancel(false);
        }
        timer.shutdownNow();
        client.close();
        rt.close();
        if (marker != null) {
            marker.close();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("balancer for namespace " + namespace + " is closed");
        }
    }
}
