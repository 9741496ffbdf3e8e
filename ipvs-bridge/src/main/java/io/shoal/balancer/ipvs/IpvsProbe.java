package io.shoal.balancer.ipvs;

import io.shoal.netlink.genl.GenericNetlink;
import io.shoal.netlink.genl.GenlFamily;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether the IPVS backend can balance here: the generic-netlink family {@code IPVS} resolves
 * (the {@code ip_vs} module is built in or loaded). Probed once, in the caller's namespace: a
 * kernel feature is the same in every namespace.
 */
public final class IpvsProbe {
    private static final Path PROC_IP_VS = Path.of("/proc/net/ip_vs");
    private static final Throwable CAUSE = probe();

    private IpvsProbe() {}

    /** True when the IPVS family resolves. */
    public static boolean isAvailable() {
        return CAUSE == null;
    }

    /** Why IPVS cannot be used here, if it cannot. */
    public static Optional<Throwable> unavailabilityCause() {
        return Optional.ofNullable(CAUSE);
    }

    /** Throws the reason IPVS cannot be used here, if it cannot. */
    public static void ensureAvailability() {
        if (CAUSE != null) {
            throw new UnsupportedOperationException("IPVS balancing is unavailable", CAUSE);
        }
    }

    private static Throwable probe() {
        try (GenericNetlink genl = GenericNetlink.open()) {
            return cause(genl.family(IpVsH.IPVS_GENL_NAME), Files.exists(PROC_IP_VS));
        } catch (RuntimeException | LinkageError e) {
            return new UnsupportedOperationException("cannot ask the kernel for the IPVS family: " + e, e);
        }
    }

    /** The verdict for a family lookup; {@code procIpVs} tells whether {@code /proc/net/ip_vs} exists. */
    static Throwable cause(Optional<GenlFamily> family, boolean procIpVs) {
        if (family.isPresent()) {
            return null;
        }
        return new UnsupportedOperationException("the generic-netlink family \"" + IpVsH.IPVS_GENL_NAME
                + "\" does not resolve: this kernel has no IPVS (ip_vs not built in or not loaded; "
                + (procIpVs ? "/proc/net/ip_vs exists, so the netlink interface is missing" : "no /proc/net/ip_vs")
                + "). The IPVS backend runs on the VM testbed (issue 10)");
    }
}
