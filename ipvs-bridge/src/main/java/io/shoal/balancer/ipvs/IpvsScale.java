package io.shoal.balancer.ipvs;

import io.shoal.balancer.NetworkNamespace;
import io.shoal.balancer.spec.Backend;
import io.shoal.balancer.spec.BalancerOptions;
import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.VirtualService;
import java.util.ArrayList;
import java.util.List;

/**
 * Times IPVS programming on a kernel that has it: N services × 10 backends applied from nothing,
 * then one backend's weight changed, then everything removed. For the VM testbed; prints one line
 * per step. {@code java -cp ... io.shoal.balancer.ipvs.IpvsScale [N]} (default 1,000, at most
 * 16,000: VIPs 100.64.x.y, backends 198.18.1.1-10).
 */
public final class IpvsScale {
    private IpvsScale() {}

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        if (n < 1 || n > 16_000) {
            System.out.println("usage: IpvsScale [N]: N must be 1..16000, was " + n);
            System.exit(2);
        }
        if (!IpvsProbe.isAvailable()) {
            System.out.println("IPVS unavailable: "
                    + IpvsProbe.unavailabilityCause().orElseThrow().getMessage());
            System.exit(3);
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
        try (IpvsBalancer lb = IpvsBalancer.create(NetworkNamespace.current(), BalancerOptions.defaults())) {
            long t0 = System.nanoTime();
            lb.apply(DesiredState.of(services));
            long t1 = System.nanoTime();
            VirtualService changed = services.get(n / 2);
            List<Backend> backends = new ArrayList<>(changed.backends());
            backends.set(3, backends.get(3).withWeight(5));
            services.set(n / 2, changed.toBuilder().backends(backends).build());
            lb.apply(DesiredState.of(services));
            long t2 = System.nanoTime();
            int dumped = lb.dump().entries().size();
            long t3 = System.nanoTime();
            System.out.printf(
                    "%d services x 10 backends: full apply %.1f ms, one backend changed %.2f ms, dump of %d services %.1f ms%n",
                    n, (t1 - t0) / 1e6, (t2 - t1) / 1e6, dumped, (t3 - t2) / 1e6);
        }
    }
}
