package io.shoal.balancer.ipvs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether the IPVS backend can run here. It needs a kernel with IPVS ({@code /proc/net/ip_vs}
 * exists once {@code ip_vs} is loaded) and Shoal's generic-netlink IPVS client, which waits for
 * the netlink module (issue #3). Until then this always says unavailable, with the true reason.
 */
public final class IpvsSupport {
    static final Path PROC_IP_VS = Path.of("/proc/net/ip_vs");

    private static final Throwable CAUSE = probe(PROC_IP_VS);

    private IpvsSupport() {}

    /** True when the IPVS backend can balance here. */
    public static boolean isAvailable() {
        return CAUSE == null;
    }

    /** Why the IPVS backend cannot balance here, if it cannot. */
    public static Optional<Throwable> unavailabilityCause() {
        return Optional.ofNullable(CAUSE);
    }

    /** Throws the reason the IPVS backend cannot balance here, if it cannot. */
    public static void ensureAvailability() {
        if (CAUSE != null) {
            throw new UnsupportedOperationException("IPVS balancing is unavailable", CAUSE);
        }
    }

    static Throwable probe(Path procFile) {
        if (!Files.exists(procFile)) {
            return new UnsupportedOperationException(
                    "no " + procFile + ": this kernel has no IPVS (ip_vs not built in or not loaded)");
        }
        return new UnsupportedOperationException(
                "the kernel has IPVS, but Shoal's IPVS backend is not built yet: it needs the netlink module (issue #3)");
    }
}
