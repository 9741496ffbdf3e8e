package io.shoal.balancer;

/** The kernel mechanism behind a {@link ServiceBalancer}. */
public enum BalancerKind {
    /** IP Virtual Server through generic netlink: the kernel's own L4 balancer, as Swarm uses. */
    IPVS,
    /** DNAT in an nftables table with verdict maps, as kube-proxy's nftables mode. */
    NFTABLES
}
