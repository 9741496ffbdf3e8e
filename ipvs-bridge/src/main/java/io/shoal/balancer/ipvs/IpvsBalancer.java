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
 */
public final class IpvsBalancer implements ServiceBalancer {
    private static final Logger LOG = LoggerFactory.getLogger(IpvsBalancer.class);
    private static final Map<String, String> SYSCTLS = Map.of(
            "net/ipv4/vs/conntrack", "1",
            "net/ipv4/vs/expire_nodest_conn", "1",
            "net/ipv4/vs/expire_quiescent_template", "1");

    private final NetworkNamespace namespace;
    private final BalancerOptions options;
    private final IpvsClient client;
    private final RouteNetlink rt;
    private final VipAddresses vips;
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

    private IpvsBalancer(NetworkNamespace namespace, BalancerOptions options, IpvsClient client, RouteNetlink rt) {
        this.namespace = namespace;
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
        IpvsClient client = null;
        RouteNetlink rt = null;
        try {
            if (namespace.isCurrent()) {
                client = IpvsClient.open();
                rt = RouteNetlink.open();
                setSysctls(namespace);
            } else {
                try (NetNs ns = NetNs.openPath(namespace.path())) {
                    client = IpvsClient.open(ns);
                    rt = RouteNetlink.open(ns);
                    ns.run(() -> {
                        setSysctls(namespace);
                        return null;
                    });
                }
            }
            return new IpvsBalancer(namespace, options, client, rt);
        } catch (RuntimeException e) {
            if (client != null) {
                client.close();
            }
            if (rt != null) {
                rt.close();
            }
            throw e;
        }
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
        IpvsTable target = IpvsMapping.table(desired); // refuses what IPVS cannot do before any change
        String what = "IPVS apply " + ServiceDiff.between(programmed, desired) + " in namespace " + namespace;
        long start = System.nanoTime();
        IpvsPlanner.Plan plan = reconcile(target, what, options.drainTimeout());
        syncVips(desired, what);
        programmed = desired;
        LOG.debug(
                "namespace {}: {} ({} steps) in {} ms",
                namespace,
                what,
                plan.changes().size(),
                (System.nanoTime() - start) / 1_000_000);
    }

    /** Dumps, plans and applies; binds new VIPs first so traffic to an added service works at once. */
    private IpvsPlanner.Plan reconcile(IpvsTable target, String what, Duration drain) {
        if (known == null) {
            try {
                known = client.dump();
                knownConfig = client.config();
                bound = new HashSet<>(vips.bound());
            } catch (NetlinkException e) {
                throw new BalancerException(what, -1, "reading the IPVS table back: " + e.getMessage(), e);
            }
            for (IpvsServiceKey k : known.entries().keySet()) {
                dumpedVips.add(k.address());
            }
        }
        IpvsPlanner.Plan plan = IpvsPlanner.plan(
                known, knownConfig, target, IpvsMapping.config(options, knownConfig), leaving, clock.instant(), drain);
        List<InetAddress> added = new ArrayList<>();
        try {
            for (IpvsServiceKey k : target.entries().keySet()) {
                if (!bound.contains(k.address()) && !added.contains(k.address())) {
                    if (vips.bind(k.address())) {
                        added.add(k.address());
                    } else {
                        bound.add(k.address()); // someone bound it meanwhile: not ours to undo
                    }
                }
            }
            IpvsTransaction.run(plan.changes(), client, what);
        } catch (RuntimeException e) {
            known = null; // dump again next time: after a refusal, trust only the kernel
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
            reconcile(IpvsMapping.table(programmed), "IPVS drain in namespace " + namespace, options.drainTimeout());
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
            reconcile(IpvsTable.empty(), "IPVS close in namespace " + namespace, Duration.ZERO);
            syncVips(DesiredState.empty(), "IPVS close");
            programmed = DesiredState.empty();
        } finally {
            closed = true;
            if (reap != null) {
                reap.cancel(false);
            }
            timer.shutdownNow();
            client.close();
            rt.close();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("balancer for namespace " + namespace + " is closed");
        }
    }
}
