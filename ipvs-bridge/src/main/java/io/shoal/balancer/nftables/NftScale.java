package io.shoal.balancer.nftables;

import io.shoal.balancer.NetworkNamespace;
import io.shoal.balancer.spec.Backend;
import io.shoal.balancer.spec.BalancerOptions;
import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.VirtualService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Times nftables programming: N services × 10 backends applied from nothing into a named
 * namespace, then {@code 2 × CHANGES} single-backend changes (each replaces the last backend of a
 * different service), each applied incrementally and timed on its own, alternately over the
 * netlink fast path and through {@code nft}, with the time spent rendering the script shown apart.
 * {@code -Dshoal.nftscale.warmup=100} untimed changes come first (JIT warm-up). Writes the full script and the last incremental one to
 * {@code DIR} so that a script can time plain {@code nft -f} of the same ruleset.
 * {@code java -cp ... io.shoal.balancer.nftables.NftScale NAMESPACE N CHANGES DIR} (VIPs
 * 100.64.x.y, backends 198.18.1.1-10, replacements 198.18.2.x). Used by
 * {@code benchmarks/balancer/nft-scale.sh}.
 */
public final class NftScale {
    /** Untimed changes before the timed ones (one in ten through nft). */
    private static final int WARMUP = Integer.getInteger("shoal.nftscale.warmup", 100);

    private NftScale() {}

    private static double median(double[] sorted) {
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            System.out.println("usage: NftScale NAMESPACE N CHANGES DIR");
            System.exit(2);
        }
        NetworkNamespace ns = NetworkNamespace.named(args[0]);
        int n = Integer.parseInt(args[1]);
        int changes = Integer.parseInt(args[2]);
        Path dir = Path.of(args[3]);
        if (n < 1 || n > 16_000 || changes < 1 || 2 * changes > n) {
            System.out.println("N must be 1..16000 and CHANGES 1..N/2, were " + n + " and " + changes);
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
        BalancerOptions options = BalancerOptions.defaults();
        NftRenderer renderer = new NftRenderer(options, NftablesSupport.ctTimeoutsAvailable());
        DesiredState state = DesiredState.of(services);
        Files.writeString(dir.resolve("full.nft"), renderer.full(state));
        try (NftablesBalancer lb = NftablesBalancer.create(ns, options)) {
            long t0 = System.nanoTime();
            lb.apply(state);
            long full = System.nanoTime() - t0;
            // Warm-up (untimed): a long-running agent has its diff and rendering code compiled; the
            // first changes of a fresh JVM run interpreted and take 10-20 ms more.
            for (int c = 0; c < WARMUP; c++) {
                int i = (c * 6007 + 13) % n;
                VirtualService s = services.get(i);
                List<Backend> backends = new ArrayList<>(s.backends());
                backends.set(backends.size() - 1, Backend.of("198.18.3." + (c % 250 + 1), 8080));
                services.set(i, s.toBuilder().backends(backends).build());
                DesiredState next = DesiredState.of(services);
                renderer.incremental(state, next);
                lb.useNetlinkForElementChanges(c % 10 != 9);
                lb.apply(next);
                state = next;
            }
            // The same kind of change alternately over netlink (the fast path) and through nft, so
            // both see the same table size, machine load and JIT state.
            double[] netlinkMs = new double[changes];
            double[] nftMs = new double[changes];
            double[] kernelMs = new double[changes];
            double[] renderMs = new double[2 * changes];
            String last = "";
            for (int c = 0; c < 2 * changes; c++) {
                int i = (c * 7919 + n / 2) % n; // spread over the table
                VirtualService s = services.get(i);
                List<Backend> backends = new ArrayList<>(s.backends());
                backends.set(backends.size() - 1, Backend.of("198.18.2." + (c % 250 + 1), 8080));
                services.set(i, s.toBuilder().backends(backends).build());
                DesiredState next = DesiredState.of(services);
                long r0 = System.nanoTime();
                last = renderer.incremental(state, next);
                renderMs[c] = (System.nanoTime() - r0) / 1e6;
                boolean overNetlink = c % 2 == 0;
                lb.useNetlinkForElementChanges(overNetlink);
                long a0 = System.nanoTime();
                lb.apply(next);
                double ms = (System.nanoTime() - a0) / 1e6;
                (overNetlink ? netlinkMs : nftMs)[c / 2] = ms;
                if (overNetlink) {
                    kernelMs[c / 2] = lb.lastNetlinkCommitNanos() / 1e6;
                }
                state = next;
            }
            Files.writeString(dir.resolve("incremental.nft"), last);
            Arrays.sort(netlinkMs);
            Arrays.sort(nftMs);
            Arrays.sort(kernelMs);
            Arrays.sort(renderMs);
            System.out.printf(
                    "shoal: %d services x 10 backends: full apply %.0f ms (nft)%n"
                            + "shoal: one backend changed, over netlink: median %.2f ms (min %.2f, max %.2f, %d changes)%n"
                            + "shoal:   of which the netlink transaction (send to last ack): median %.2f ms (min %.2f, max %.2f)%n"
                            + "shoal: one backend changed, through nft:  median %.1f ms (min %.1f, max %.1f, %d changes)%n"
                            + "shoal: rendering a change: median %.2f ms; applies over netlink %d, through nft %d%n",
                    n,
                    full / 1e6,
                    median(netlinkMs),
                    netlinkMs[0],
                    netlinkMs[changes - 1],
                    changes,
                    median(kernelMs),
                    kernelMs[0],
                    kernelMs[changes - 1],
                    median(nftMs),
                    nftMs[0],
                    nftMs[changes - 1],
                    changes,
                    median(renderMs),
                    lb.netlinkApplies(),
                    lb.nftApplies());
            List<String> problems = lb.verify();
            System.out.println("shoal: verify after the changes: " + (problems.isEmpty() ? "clean" : problems));
        }
    }
}
