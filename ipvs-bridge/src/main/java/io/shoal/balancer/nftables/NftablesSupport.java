package io.shoal.balancer.nftables;

import io.shoal.balancer.BalancerException;
import io.shoal.balancer.NetworkNamespace;
import java.util.Optional;

/**
 * Whether this machine can balance with nftables: the {@code nft} tool runs and the kernel
 * accepts a NAT chain with {@code numgen} and verdict maps. Checked once, with {@code nft -c}
 * (the kernel validates, nothing is committed), in the caller's namespace: kernel features are
 * the same in every namespace.
 */
public final class NftablesSupport {
    static final String PROBE =
            """
            add table inet shoal_probe
            add chain inet shoal_probe c { type nat hook output priority -100; policy accept; }
            add rule inet shoal_probe c ip daddr . meta l4proto . th dport vmap { 100.64.0.1 . tcp . 80 : accept }
            add rule inet shoal_probe c numgen inc mod 2 vmap { 0 : accept, 1 : accept }
            add rule inet shoal_probe c jhash ip saddr . th sport mod 7 seed 0x1 vmap { 0-6 : accept }
            add rule inet shoal_probe c meta l4proto tcp dnat ip to 198.18.0.1:80
            """;
    static final String CT_TIMEOUT_PROBE =
            """
            add table inet shoal_probe
            add ct timeout inet shoal_probe t { protocol tcp; l3proto ip; policy = { established: 60 }; }
            add chain inet shoal_probe c { type nat hook output priority -100; policy accept; }
            add rule inet shoal_probe c ct timeout set "t"
            """;

    private static final Throwable CAUSE = probe(PROBE);
    private static final Throwable CT_TIMEOUT_CAUSE = CAUSE != null ? CAUSE : probe(CT_TIMEOUT_PROBE);

    private NftablesSupport() {}

    /** True when nftables balancing works here. */
    public static boolean isAvailable() {
        return CAUSE == null;
    }

    /** Why nftables balancing does not work here, if it does not. */
    public static Optional<Throwable> unavailabilityCause() {
        return Optional.ofNullable(CAUSE);
    }

    /** Throws the reason nftables balancing does not work, if it does not. */
    public static void ensureAvailability() {
        if (CAUSE != null) {
            throw new UnsupportedOperationException("nftables balancing is unavailable", CAUSE);
        }
    }

    /**
     * True when the kernel has conntrack timeout policies ({@code ct timeout} objects,
     * CONFIG_NF_CONNTRACK_TIMEOUT), which give each service its own idle timeouts.
     */
    public static boolean ctTimeoutsAvailable() {
        return CT_TIMEOUT_CAUSE == null;
    }

    /** Why per-service conntrack timeouts are unavailable, if they are. */
    public static Optional<Throwable> ctTimeoutsUnavailabilityCause() {
        return Optional.ofNullable(CT_TIMEOUT_CAUSE);
    }

    private static Throwable probe(String script) {
        try {
            new NftCommand(NetworkNamespace.current()).check(script, "capability probe");
            return null;
        } catch (BalancerException | UnsupportedOperationException e) {
            return e;
        }
    }
}
