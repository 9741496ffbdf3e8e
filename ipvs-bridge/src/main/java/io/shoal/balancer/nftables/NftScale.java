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
 * namespace, then {@code CHANGES} single-backend changes (each replaces the last backend of a
 * different service), each applied incrementally and timed on its own, with the time spent
 * rendering the script shown apart. Writes the full script and the last incremental one to
 * {@code DIR} so that a script can time plain {@code nft -f} of the same ruleset.
 * {@code java -cp ... io.shoal.balancer.nftables.NftScale NAMESPACE N CHANGES DIR} (VIPs
 * 100.64.x.y, backends 198.18.1.1-10, replacements 198.18.2.x). Used by
 * {@code benchmarks/balancer/nft-scale.sh}.
 */
public final class NftScale {
    private NftScale() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            System.out.println("usage: NftScale NAMESPACE N CHANGES DIR");
            System.exit(2);
        }
        NetworkNamespace ns = NetworkNamespace.named(args[0]);
        int n = Integer.parseInt(args[1]);
        int changes = Integer.parseInt(args[2]);
        Path dir = Path.of(args[3]);
        if (n < 1 || n > 16_000 || changes < 1 || changes > n) {
            System.out.println("N must be 1..16000 and CHANGES 1..N, were " + n + " and " + changes);
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
            double[] applyMs = new double[changes];
            double[] renderMs = new double[changes];
            String last = "";
            for (int c = 0; c < changes; c++) {
                int i = (c * 7919 + n / 2) % n; // spread over the table
                VirtualService s = services.get(i);
                List<Backend> backends = new ArrayList<>(s.backends());
                backends.set(backends.size() - 1, Backend.of("198.18.2." + (c % 250 + 1), 8080));
                services.set(i, s.toBuilder().backends(backends).build());
                DesiredState next = DesiredState.of(services);
                long r0 = System.nanoTime();
                last = renderer.incremental(state, next);
                renderMs[c] = (System.nanoTime() - r0) / 1e6;
                long a0 = System.nanoTime();
                lb.apply(next);
                applyMs[c] = (System.nanoTime() - a0) / 1e6;
                state = next;
            }
            Files.writeString(dir.resolve("incremental.nft"), last);
            Arrays.sort(applyMs);
            Arrays.sort(renderMs);
            System.out.printf(
                    "shoal: %d services x 10 backends: full apply %.0f ms; one backend changed: median %.1f ms"
                            + " (min %.1f, max %.1f, %d changes), of which rendering median %.2f ms%n",
                    n,
                    full / 1e6,
                    applyMs[changes / 2],
                    applyMs[0],
                    applyMs[changes - 1],
                    changes,
                    renderMs[changes / 2]);
            List<String> problems = lb.verify();
            System.out.println("shoal: verify after the changes: " + (problems.isEmpty() ? "clean" : problems));
        }
    }
}
