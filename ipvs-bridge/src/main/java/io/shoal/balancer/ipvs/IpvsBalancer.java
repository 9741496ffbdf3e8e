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
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
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
 * produced (kept with {@link IpvsTableEditor}, so a one-backend change costs one request, not a
 * dump of every service), and map and plan only the services that changed since the last apply
 * ({@link IpvsTarget}; the VIP bindings and marks are kept per service too), so their Java work is
 * proportional to the change, not to the number of services; after any failure the next apply
 * dumps again and plans from scratch, so a part-way failure is repaired from what the kernel
 * really holds. {@link #dump()} always asks the kernel. This balancer owns every IPVS service of
 * its namespace (a container's namespace has no others).
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

    private static final ServiceDiff NO_CHANGE = new ServiceDiff(List.of(), List.of(), List.of());

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
    /**
     * The kernel's table after our last successful apply, kept by applying each plan to it in
     * place; null until the first dump or after a failure.
     */
    private IpvsTableEditor known;
    /**
     * {@link #programmed} in IPVS form, per service: an apply maps and plans only what changed.
     * Null until the first apply after a dump, which plans from scratch.
     */
    private IpvsTarget target;
    /** How many services of {@link #programmed} use each VIP. */
    private final Map<InetAddress, Integer> vipUsers = new HashMap<>();
    /** False after a dump until every VIP was looked at once (leftovers unbound, counts rebuilt). */
    private boolean vipsInSync;

    private ApplyTimes lastApply;

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
        long start = System.nanoTime();
        ServiceDiff diff = ServiceDiff.between(programmed, desired);
        // Refuses what IPVS cannot do before anything is read or changed (the rest was checked when applied).
        IpvsMapping.check(diff.added());
        for (ServiceDiff.Change c : diff.changed()) {
            IpvsMapping.check(List.of(c.after()));
        }
        String what = "IPVS apply " + diff + " in namespace " + namespace;
        load(what);
        boolean fromScratch = target == null;
        Work work = fromScratch
                ? fromScratch(desired, options.drainTimeout())
                : incremental(desired, diff, options.drainTimeout());
        long planned = System.nanoTime();
        reconcile(work, what);
        long programmedAt = System.nanoTime();
        syncVips(desired, vipsInSync ? diff : null, what);
        programmed = desired;
        long end = System.nanoTime();
        lastApply = new ApplyTimes(
                fromScratch,
                work.plan().changes().size(),
                planned - start,
                work.kernelNanos + (end - programmedAt),
                work.vipNanos + (end - programmedAt),
                programmedAt - planned - work.kernelNanos);
        LOG.debug(
                "namespace {}: {} ({} steps{}) in {} ms",
                namespace,
                what,
                work.plan().changes().size(),
                fromScratch ? ", planned from scratch" : "",
                (end - start) / 1_000_000);
    }

    /**
     * Where the time of the last successful {@link #apply} went (for benchmarks).
     *
     * @param fromScratch true when it mapped and planned every service (first apply, or after a
     *     failure); false when only the changed ones
     * @param steps plan steps sent to IPVS
     * @param planNanos Java work before the first request: diff, mapping, marks, plan
     * @param kernelNanos the requests: VIP addresses and routes, marks, the IPVS steps (each one
     *     acknowledged netlink request or a batch of them)
     * @param vipNanos the part of {@code kernelNanos} spent binding and unbinding VIPs on {@code lo}
     *     and setting their preferred source (one request each, not batched)
     * @param bookkeepingNanos Java work after the IPVS steps: the plan applied to the in-memory
     *     table, the cached target updated
     */
    public record ApplyTimes(
            boolean fromScratch, int steps, long planNanos, long kernelNanos, long vipNanos, long bookkeepingNanos) {}

    /** Where the time of the last successful apply went; null before the first. */
    public synchronized ApplyTimes lastApply() {
        return lastApply;
    }

    /** A plan, the marks it needs, the VIPs to bind first and what to remember once the kernel took it. */
    private static final class Work {
        private final IpvsPlanner.Plan plan;
        private final Map<IpvsMarks.Target, Integer> marks;
        private final Collection<InetAddress> vipsToBind;
        private final Runnable taken;
        private long kernelNanos;
        private long vipNanos;

        Work(
                IpvsPlanner.Plan plan,
                Map<IpvsMarks.Target, Integer> marks,
                Collection<InetAddress> vipsToBind,
                Runnable taken) {
            this.plan = plan;
            this.marks = marks == null ? Map.of() : marks;
            this.vipsToBind = vipsToBind;
            this.taken = taken;
        }

        IpvsPlanner.Plan plan() {
            return plan;
        }
    }

    /** Maps every service of {@code desired} and plans it against the whole table {@link #load} read. */
    private Work fromScratch(DesiredState desired, Duration drain) {
        Map<IpvsMarks.Target, Integer> wantedMarks =
                marker == null ? null : IpvsMarks.assign(IpvsMarks.targets(desired.services()), marks);
        IpvsTarget next = IpvsTarget.of(desired, wantedMarks);
        IpvsPlanner.Plan plan = IpvsPlanner.plan(
                known.entries(),
                knownConfig,
                next.entries(),
                IpvsMapping.config(options, knownConfig),
                leaving,
                clock.instant(),
                drain);
        return new Work(plan, wantedMarks, vipsOf(desired.services()), () -> target = next);
    }

    /** Maps and plans only what {@code diff} changes (and the services with leaving destinations). */
    private Work incremental(DesiredState desired, ServiceDiff diff, Duration drain) {
        IpvsTarget.Change change = target.change(desired, diff);
        IpvsPlanner.Plan plan = target.plan(
                change,
                known.entries(),
                knownConfig,
                IpvsMapping.config(options, knownConfig),
                leaving,
                clock.instant(),
                drain);
        IpvsTarget kept = target;
        return new Work(plan, change.marks(), vipsOf(diff.added()), () -> kept.commit(change));
    }

    /** The kernel's table is no longer trusted: the next apply dumps it and plans from scratch. */
    private void forget() {
        known = null;
        knownConfig = null;
        target = null;
    }

    /**
     * Reads what the kernel holds (IPVS services, timeouts, VIPs on lo and, with a marker, the VIP
     * marks, creating or repairing the mark table) on the first apply and after any failure.
     */
    private void load(String what) {
        if (known != null) {
            return;
        }
        target = null;
        vipsInSync = false;
        IpvsTable dumped;
        try {
            dumped = client.dump();
            knownConfig = client.config();
            bound = new HashSet<>(vips.bound());
        } catch (NetlinkException e) {
            forget();
            throw new BalancerException(what, -1, "reading the IPVS table back: " + e.getMessage(), e);
        }
        for (IpvsServiceKey k : dumped.entries().keySet()) {
            if (k.fwmark() == 0) {
                dumpedVips.add(k.address());
            }
        }
        if (marker != null) {
            try {
                marks = marker.adopt(what);
            } catch (RuntimeException e) {
                forget();
                throw e;
            }
            for (IpvsMarks.Target t : marks.keySet()) {
                dumpedVips.add(t.vip());
            }
        }
        known = new IpvsTableEditor(dumped, knownConfig);
    }

    private static Set<InetAddress> vipsOf(Collection<VirtualService> services) {
        Set<InetAddress> out = new LinkedHashSet<>();
        for (VirtualService s : services) {
            out.add(s.vip());
        }
        return out;
    }

    /**
     * Applies {@code work} against what {@link #load} read; binds new VIPs and sets new marks first
     * so traffic to an added service works at once. On any refusal everything is undone and the
     * next apply dumps again.
     */
    private void reconcile(Work work, String what) {
        IpvsPlanner.Plan plan = work.plan;
        Map<IpvsMarks.Target, Integer> wantedMarks = work.marks;
        long kernelStart = System.nanoTime();
        List<InetAddress> added = new ArrayList<>();
        Map<IpvsMarks.Target, Integer> marksBefore = marks;
        boolean marked = false;
        try {
            for (InetAddress a : work.vipsToBind) {
                if (!bound.contains(a) && !added.contains(a)) {
                    if (vips.bind(a)) {
                        added.add(a);
                    } else {
                        bound.add(a); // someone bound it meanwhile: not ours to undo
                    }
                }
            }
            work.vipNanos = System.nanoTime() - kernelStart;
            if (marker != null && !wantedMarks.equals(marksBefore)) {
                marker.commit(marksBefore, wantedMarks, what);
                marked = true;
            }
            IpvsTransaction.run(plan.changes(), client, what);
        } catch (RuntimeException e) {
            forget(); // dump again next time: after a refusal, trust only the kernel
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
        work.kernelNanos = System.nanoTime() - kernelStart;
        bound.addAll(added);
        marks = Map.copyOf(wantedMarks);
        work.taken.run();
        // What the kernel now holds, without asking it: the plan applied with the kernel's rules.
        try {
            IpvsTransaction.run(plan.changes(), known, what + " (bookkeeping)");
            knownConfig = known.config();
        } catch (RuntimeException e) {
            LOG.warn(
                    "{}: the kernel took a plan the in-memory table refuses; dumping next time: {}",
                    what,
                    e.toString());
            forget();
        }
        leaving = new HashMap<>(plan.leaving());
        scheduleReap(plan);
    }

    /**
     * Unbinds the VIPs no service uses any more and gives new VIPs their preferred source. With
     * {@code diff} (an incremental apply) only the services it names are looked at; without, every
     * service of {@code desired}.
     */
    private void syncVips(DesiredState desired, ServiceDiff diff, String what) {
        Set<InetAddress> unused = new HashSet<>();
        Collection<VirtualService> touched;
        if (diff == null) {
            unused.addAll(dumpedVips);
            for (VirtualService s : programmed.services()) {
                unused.add(s.vip());
            }
            vipUsers.clear();
            for (VirtualService s : desired.services()) {
                vipUsers.merge(s.vip(), 1, Integer::sum);
            }
            unused.removeAll(vipUsers.keySet());
            dumpedVips.retainAll(vipUsers.keySet());
            touched = desired.services();
            vipsInSync = true;
        } else {
            for (VirtualService s : diff.added()) {
                vipUsers.merge(s.vip(), 1, Integer::sum);
            }
            for (VirtualService s : diff.removed()) {
                if (vipUsers.merge(s.vip(), -1, (n, d) -> n + d == 0 ? null : n + d) == null) {
                    unused.add(s.vip());
                }
            }
            dumpedVips.removeAll(unused);
            touched = new ArrayList<>(diff.added());
            for (ServiceDiff.Change c : diff.changed()) {
                touched.add(c.after());
            }
        }
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
        // The route lookup is asked once per backend address in one apply (many VIPs share backends).
        Map<InetAddress, Optional<InetAddress>> sourceOf = new HashMap<>();
        for (VirtualService s : touched) {
            InetAddress vip = s.vip();
            if (sources.containsKey(vip) || s.backends().isEmpty()) {
                continue;
            }
            try {
                InetAddress backend = s.backends().get(0).address();
                Optional<InetAddress> source = sourceOf.get(backend);
                if (source == null) {
                    source = vips.sourceFor(backend);
                    sourceOf.put(backend, source);
                }
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
            // After a failure the marks were read again: planned from scratch, any all-ports
            // service that lost its mark gets one.
            Work work = target == null
                    ? fromScratch(programmed, options.drainTimeout())
                    : incremental(programmed, NO_CHANGE, options.drainTimeout());
            reconcile(work, what);
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
            load(what);
            IpvsPlanner.Plan plan = IpvsPlanner.plan(
                    known.entries(),
                    knownConfig,
                    IpvsTable.empty().entries(),
                    IpvsMapping.config(options, knownConfig),
                    leaving,
                    clock.instant(),
                    Duration.ZERO);
            reconcile(new Work(plan, Map.of(), Set.of(), () -> target = null), what);
            syncVips(DesiredState.empty(), null, "IPVS close");
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
