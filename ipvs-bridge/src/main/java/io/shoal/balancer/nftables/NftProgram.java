package io.shoal.balancer.nftables;

import io.shoal.balancer.NetworkNamespace;
import io.shoal.balancer.spec.BalancerOptions;
import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.VirtualService;

/**
 * Programs one round-robin TCP service into a namespace and exits, leaving the rules in place
 * (the balancer is deliberately not closed), for data-path benchmarks:
 * {@code java -cp ... io.shoal.balancer.nftables.NftProgram NAMESPACE VIP PORT BACKEND:PORT...}.
 * Used by {@code benchmarks/balancer/datapath.sh}; the namespace's removal removes the rules.
 */
public final class NftProgram {
    private NftProgram() {}

    public static void main(String[] args) {
        if (args.length < 4) {
            System.out.println("usage: NftProgram NAMESPACE VIP PORT BACKEND:PORT...");
            System.exit(2);
        }
        VirtualService.Builder b = VirtualService.builder("bench").vip(args[1]).port(Integer.parseInt(args[2]));
        for (int i = 3; i < args.length; i++) {
            int colon = args[i].lastIndexOf(':');
            if (colon < 0) {
                System.out.println("backend must be ADDRESS:PORT, was " + args[i]);
                System.exit(2);
            }
            b.backend(args[i].substring(0, colon), Integer.parseInt(args[i].substring(colon + 1)));
        }
        NftablesBalancer lb = NftablesBalancer.create(NetworkNamespace.named(args[0]), BalancerOptions.defaults());
        lb.apply(DesiredState.of(b.build()));
        System.out.println("programmed " + lb.current().services());
    }
}
