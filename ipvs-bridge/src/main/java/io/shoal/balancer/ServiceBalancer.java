package io.shoal.balancer;

import io.shoal.balancer.spec.DesiredState;

/**
 * Makes one network namespace's kernel balance each service VIP over its backends, as Swarm does
 * inside every container. Implementations: nftables ({@code nftables} package) and IPVS ({@code
 * ipvs} package, generic netlink). Pick one with {@link Balancers}.
 *
 * <p>Thread-safe: calls are serialised per balancer. One balancer owns one namespace's Shoal
 * rules; two balancers on the same namespace would overwrite each other.
 */
public interface ServiceBalancer extends AutoCloseable {
    /** Which kernel mechanism this balancer programs. */
    BalancerKind kind();

    /** The namespace this balancer programs. */
    NetworkNamespace namespace();

    /**
     * Makes the namespace's services match {@code desired} exactly: computes the difference to
     * what is programmed and applies it in one atomic step. Applying the same set again changes
     * nothing in the kernel.
     *
     * @throws BalancerException when the kernel refuses the change; the namespace then keeps the
     *     previous state, and {@link #current()} still describes it
     */
    void apply(DesiredState desired);

    /** What this balancer last programmed successfully (empty before the first apply). */
    DesiredState current();

    /** Removes everything this balancer made in the namespace. Later calls to {@link #apply} fail. */
    @Override
    void close();
}
