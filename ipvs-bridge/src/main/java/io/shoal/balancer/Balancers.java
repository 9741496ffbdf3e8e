package io.shoal.balancer;

import io.shoal.balancer.ipvs.IpvsBalancer;
import io.shoal.balancer.ipvs.IpvsProbe;
import io.shoal.balancer.nftables.NftablesBalancer;
import io.shoal.balancer.nftables.NftablesSupport;
import io.shoal.balancer.spec.BalancerOptions;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the balancer for this kernel: IPVS when it is available, nftables otherwise, or the
 * one the user forces. The automatic choice is logged once per process.
 */
public final class Balancers {
    private static final Logger LOG = LoggerFactory.getLogger(Balancers.class);
    private static final AtomicBoolean LOGGED = new AtomicBoolean();

    private Balancers() {}

    /** The automatically chosen balancer for {@code namespace}, with default options. */
    public static ServiceBalancer forNamespace(NetworkNamespace namespace) {
        return forNamespace(namespace, BalancerOptions.defaults());
    }

    /** The automatically chosen balancer for {@code namespace}. */
    public static ServiceBalancer forNamespace(NetworkNamespace namespace, BalancerOptions options) {
        BalancerKind kind = choose();
        if (LOGGED.compareAndSet(false, true)) {
            LOG.info(
                    "service balancing uses {}{}",
                    kind,
                    kind == BalancerKind.NFTABLES
                            ? " (IPVS: "
                                    + unavailabilityCause(BalancerKind.IPVS)
                                            .map(Throwable::getMessage)
                                            .orElse("") + ")"
                            : "");
        }
        return create(kind, namespace, options);
    }

    /**
     * The balancer of the given kind for {@code namespace}, as the user forced it.
     *
     * @throws UnsupportedOperationException when that kind is unavailable here, with the reason
     */
    public static ServiceBalancer forNamespace(
            NetworkNamespace namespace, BalancerOptions options, BalancerKind forced) {
        return create(Objects.requireNonNull(forced, "forced"), namespace, options);
    }

    /** What the automatic choice picks on this machine. */
    public static BalancerKind choose() {
        if (IpvsProbe.isAvailable()) {
            return BalancerKind.IPVS;
        }
        if (NftablesSupport.isAvailable()) {
            return BalancerKind.NFTABLES;
        }
        UnsupportedOperationException e = new UnsupportedOperationException(
                "no service balancer works here: neither IPVS nor nftables is available");
        unavailabilityCause(BalancerKind.IPVS).ifPresent(e::addSuppressed);
        unavailabilityCause(BalancerKind.NFTABLES).ifPresent(e::addSuppressed);
        throw e;
    }

    /** Why {@code kind} cannot balance here; empty when it can. */
    public static Optional<Throwable> unavailabilityCause(BalancerKind kind) {
        return switch (kind) {
            case IPVS -> IpvsProbe.unavailabilityCause();
            case NFTABLES -> NftablesSupport.unavailabilityCause();
        };
    }

    private static ServiceBalancer create(BalancerKind kind, NetworkNamespace namespace, BalancerOptions options) {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(options, "options");
        return switch (kind) {
            case IPVS -> {
                IpvsProbe.ensureAvailability();
                yield IpvsBalancer.create(namespace, options);
            }
            case NFTABLES -> NftablesBalancer.create(namespace, options);
        };
    }
}
