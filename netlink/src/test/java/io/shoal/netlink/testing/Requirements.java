package io.shoal.netlink.testing;

import io.shoal.netlink.Netlink;
import io.shoal.netlink.ns.NetNs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.opentest4j.TestAbortedException;

/**
 * What integration tests need (netlink cannot depend on the testbed module, so it has its own copy
 * of the rule): outside CI a missing requirement skips with a message; with {@code CI=true} it fails.
 */
public final class Requirements {
    private Requirements() {}

    /** Root, netlink sockets and {@code setns}: everything these tests do to the kernel. */
    public static void requireNamespaces() {
        require(isRoot(), "root (uid 0) to create network namespaces and links");
        require(Netlink.isAvailable(), "netlink sockets (" + Netlink.unavailabilityCause() + ")");
        require(NetNs.isAvailable(), "setns with CAP_SYS_ADMIN (" + NetNs.unavailabilityCause() + ")");
    }

    /** Skips (or fails in CI) with {@code what} when {@code ok} is false. */
    public static void require(boolean ok, String what) {
        if (ok) {
            return;
        }
        String message = "this test needs " + what;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(message + " (CI=true: a skip here would hide a failure)");
        }
        throw new TestAbortedException(message + "; skipped");
    }

    private static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:"))
                    .anyMatch(l -> l.split("\\s+")[1].equals("0"));
        } catch (Exception e) {
            return false;
        }
    }
}
