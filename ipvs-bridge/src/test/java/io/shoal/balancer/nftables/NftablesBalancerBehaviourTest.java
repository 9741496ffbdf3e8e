package io.shoal.balancer.nftables;

import io.shoal.balancer.BalancerKind;
import io.shoal.balancer.Balancers;
import io.shoal.balancer.NetworkNamespace;
import io.shoal.balancer.ServiceBalancer;
import io.shoal.balancer.ServiceBalancerBehaviourTest;
import io.shoal.balancer.spec.BalancerOptions;
import io.shoal.testbed.Requirements;

/** The behaviour suite against the nftables backend, on this machine's kernel. */
class NftablesBalancerBehaviourTest extends ServiceBalancerBehaviourTest {
    @Override
    protected ServiceBalancer newBalancer(NetworkNamespace namespace) {
        return Balancers.forNamespace(namespace, BalancerOptions.defaults(), BalancerKind.NFTABLES);
    }

    @Override
    protected void requireBackend() {
        Requirements.require(
                NftablesSupport.isAvailable(),
                "nftables with NAT, numgen and jhash: "
                        + NftablesSupport.unavailabilityCause()
                                .map(Throwable::getMessage)
                                .orElse(""));
    }

    @Override
    protected String rulesetWithHandles() {
        return new NftCommand(balancer.namespace()).query("-a", "list", "table", "inet", "shoal");
    }
}
