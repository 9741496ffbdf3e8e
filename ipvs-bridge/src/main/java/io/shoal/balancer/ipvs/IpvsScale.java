package io.shoal.balancer.ipvs;

import io.shoal.balancer.NetworkNamespace;
import io.shoal.balancer.spec.Backend;
import io.shoal.balancer.spec.BalancerOptions;
import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.ServiceDiff;
import io.shoal.balancer.spec.VirtualService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Times IPVS programming on a kernel that has it: N services × 10 backends applied from nothing,
 * then {@code -Dshoal.ipvsscale.warmup=100} untimed single-backend changes (a long-running agent has
 * its code compiled), then CHANGES timed ones: each replaces the last backend of a different service
 * (IPVS: the new destination added, the old one quiesced, 2 requests), as {@code NftScale} does. For
 * each the whole {@code apply} is timed, and split ({@link IpvsBalancer#lastApply}) into Java work
 * (diff, mapping, plan, bookkeeping) and the requests. For comparison, in the same run: the Java
 * work the apply did before it was incremental (every service mapped, the plan computed over the
 * whole table), and the round trip of one trivial request ({@code IPVS_CMD_GET_CONFIG}), which is
 * what a syscall costs in this kernel. The drain timeout is 10 minutes, so no drain timer runs
 * during the changes. Prints one line per figure.
 *
 * <p>{@code java -cp ... io.shoal.balancer.ipvs.IpvsScale [N] [CHANGES]} (default 1,000 and 30; N at
 * most 16,000: VIPs 100.64.x.y, backends 198.18.1.1-10, replacements 198.18.2/3.x), in the calling
 * thread's namespace. {@code IpvsScale --plan-only [N] [CHANGES]} times only the Java work, with an
 * in-memory table instead of a kernel (runs anywhere). {@code -Dshoal.ipvsscale.dump=true} also
 * times a dump of everything; {@code -Dshoal.ipvs.batch=false} sends one request at a time.
 */
public final class IpvsScale {
    private static final int WARMUP = Integer.getInteger("shoal.ipvsscale.warmup", 100);
    private static final Duration DRAIN = Duration.ofMinutes(10);

    private IpvsScale() {}

    public static void main(String[] args) {
        boolean planOnly = args.length > 0 && args[0].equals("--plan-only");
        String[] rest = planOnly ? Arrays.copyOfRange(args, 1, args.length) : args;
        int n = rest.length > 0 ? Integer.parseInt(rest[0]) : 1000;
        int changes = rest.length > 1 ? Integer.parseInt(rest[1]) : 30;
        if (n < 1 || n > 16_000 || changes < 1 || changes > n) {
            System.out.println(
                    "usage: IpvsScale [--plan-only] [N] [CHANGES]: N must be 1..16000 and CHANGES 1..N, were " + n
                            + " and " + changes);
            System.exit(2);
        }
        List<VirtualService> services = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            VirtualService.Builder b = VirtualService.builder("s" + i)
                    .vip("100.64." + (i / 250) + "." + (i % 250 + 1))
                    .port(80);
            for (int h = 1; h <= 10; h++) {
                b.backend("198.18.1." + h, 8080);
            }
            services.add(b.build());
        }
        if (planOnly) {
            planOnly(services, changes);
            return;
        }
        if (!IpvsProbe.isAvailable()) {
            System.out.println("IPVS unavailable: "
                    + IpvsProbe.unavailabilityCause().orElseThrow().getMessage());
            System.exit(3);
        }
        BalancerOptions options = BalancerOptions.defaults().withDrainTimeout(DRAIN);
        try (IpvsBalancer lb = IpvsBalancer.create(NetworkNamespace.current(), options)) {
            DesiredState state = DesiredState.of(services);
            long t0 = System.nanoTime();
            lb.apply(state);
            long full = System.nanoTime() - t0;
            IpvsBalancer.ApplyTimes fullTimes = lb.lastApply();
            for (int c = 0; c < WARMUP; c++) {
                state = change(services, (c * 6007 + 13) % n, "198.18.3." + (c % 250 + 1));
                lb.apply(state);
            }
            double[] applyMs = new double[changes];
            double[] javaMs = new double[changes];
            double[] kernelMs = new double[changes];
            double[] oldJavaMs = new double[changes];
            int steps = 0;
            for (int c = 0; c < changes; c++) {
                DesiredState before = state;
                state = change(services, (c * 7919 + n / 2) % n, "198.18.2." + (c % 250 + 1));
                long a0 = System.nanoTime();
                lb.apply(state);
                applyMs[c] = (System.nanoTime() - a0) / 1e6;
                IpvsBalancer.ApplyTimes t = lb.lastApply();
                javaMs[c] = (t.planNanos() + t.bookkeepingNanos()) / 1e6;
                kernelMs[c] = t.kernelNanos() / 1e6;
                steps += t.steps();
                oldJavaMs[c] = wholeTablePlan(before, state) / 1e6;
            }
            double[] requestMs = new double[50];
            for (int i = 0; i < requestMs.length; i++) {
                long r0 = System.nanoTime();
                lb.timeouts();
                requestMs[i] = (System.nanoTime() - r0) / 1e6;
            }
            System.out.printf(
                    "ipvs: %d services x 10 backends: full apply %.0f ms (Java %.0f ms; requests %.0f ms, of which"
                            + " VIP addresses and routes %.0f ms; %d steps)%n",
                    n,
                    full / 1e6,
                    (fullTimes.planNanos() + fullTimes.bookkeepingNanos()) / 1e6,
                    fullTimes.kernelNanos() / 1e6,
                    fullTimes.vipNanos() / 1e6,
                    fullTimes.steps());
            System.out.println("ipvs: one backend replaced, whole apply: " + stats(applyMs) + ", " + changes
                    + " changes after " + WARMUP + " untimed, " + steps / (double) changes + " steps each");
            System.out.println("ipvs:   of which Java work (diff, mapping, plan, bookkeeping): " + stats(javaMs));
            System.out.println(
                    "ipvs:   of which the requests (2 IPVS requests, batched unless -Dshoal.ipvs.batch=false): "
                            + stats(kernelMs));
            System.out.println(
                    "ipvs: Java work of the same change planned over the whole table (before): " + stats(oldJavaMs));
            System.out.println("ipvs: one IPVS_CMD_GET_CONFIG round trip (the syscall floor): " + stats(requestMs));
            if (Boolean.getBoolean("shoal.ipvsscale.dump")) {
                long d0 = System.nanoTime();
                int dumped = lb.dump().entries().size();
                System.out.printf("ipvs: dump of %d services %.0f ms%n", dumped, (System.nanoTime() - d0) / 1e6);
            }
        }
    }

    /** Replaces the last backend of service {@code i} with {@code address}; the new state. */
    private static DesiredState change(List<VirtualService> services, int i, String address) {
        VirtualService s = services.get(i);
        List<Backend> backends = new ArrayList<>(s.backends());
        backends.set(backends.size() - 1, Backend.of(address, 8080));
        services.set(i, s.toBuilder().backends(backends).build());
        return DesiredState.of(services);
    }

    /**
     * The Java work an apply did before it was incremental, in nanoseconds: every service mapped,
     * the plan over the whole table, the bookkeeping copying the table.
     */
    private static long wholeTablePlan(DesiredState before, DesiredState after) {
        IpvsTable kernel = IpvsMapping.table(before);
        IpvsConfig config = new IpvsConfig(86_400, 120, 120);
        long t0 = System.nanoTime();
        ServiceDiff.between(before, after);
        IpvsTable target = IpvsMapping.table(after);
        IpvsPlanner.Plan plan = IpvsPlanner.plan(kernel, config, target, config, Map.of(), Instant.now(), DRAIN);
        IpvsTableEditor bookkeeping = new IpvsTableEditor(kernel, config);
        IpvsTransaction.run(plan.changes(), bookkeeping, "bookkeeping");
        bookkeeping.table();
        return System.nanoTime() - t0;
    }

    /** The Java work alone: an in-memory table stands in for the kernel. */
    private static void planOnly(List<VirtualService> services, int changes) {
        int n = services.size();
        IpvsConfig config = new IpvsConfig(86_400, 120, 120);
        DesiredState state = DesiredState.of(services);
        long t0 = System.nanoTime();
        IpvsTarget target = IpvsTarget.of(state, null);
        IpvsTableEditor kernel = new IpvsTableEditor(IpvsTable.empty(), config);
        IpvsPlanner.Plan first =
                IpvsPlanner.plan(kernel.entries(), config, target.entries(), config, Map.of(), Instant.now(), DRAIN);
        IpvsTransaction.run(first.changes(), kernel, "full");
        long full = System.nanoTime() - t0;
        Map<IpvsPlanner.Leaving, Instant> leaving = first.leaving();
        double[] incrementalMs = new double[changes];
        double[] diffMs = new double[changes];
        double[] wholeMs = new double[changes];
        for (int c = -WARMUP; c < changes; c++) {
            DesiredState before = state;
            state = change(services, ((c + WARMUP) * 7919 + n / 2) % n, "198.18.2." + ((c + WARMUP) % 250 + 1));
            long a0 = System.nanoTime();
            ServiceDiff diff = ServiceDiff.between(target.state(), state);
            long d1 = System.nanoTime();
            IpvsTarget.Change change = target.change(state, diff);
            IpvsPlanner.Plan plan =
                    target.plan(change, kernel.entries(), kernel.config(), config, leaving, Instant.now(), DRAIN);
            IpvsTransaction.run(plan.changes(), kernel, "change");
            target.commit(change);
            leaving = plan.leaving();
            long a1 = System.nanoTime();
            long whole = wholeTablePlan(before, state);
            if (c >= 0) {
                incrementalMs[c] = (a1 - a0) / 1e6;
                diffMs[c] = (d1 - a0) / 1e6;
                wholeMs[c] = whole / 1e6;
            }
        }
        System.out.printf(
                "plan-only: %d services x 10 backends: full mapping + plan + bookkeeping %.0f ms%n", n, full / 1e6);
        System.out.println("plan-only: one backend replaced, incremental Java work: " + stats(incrementalMs) + ", "
                + changes + " changes after " + WARMUP + " untimed");
        System.out.println("plan-only:   of which the diff of the two states (ServiceDiff): " + stats(diffMs));
        System.out.println("plan-only: the same, planned over the whole table (before): " + stats(wholeMs));
    }

    private static String stats(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        double median = s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
        return String.format("median %.3f ms (min %.3f, max %.3f)", median, s[0], s[s.length - 1]);
    }
}
