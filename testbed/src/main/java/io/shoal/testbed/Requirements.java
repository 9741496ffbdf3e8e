package io.shoal.testbed;

import java.nio.file.Files;
import java.nio.file.Path;
import org.opentest4j.TestAbortedException;

/**
 * Checks what an integration test needs (root, namespaces, a Docker engine) before it runs.
 *
 * <p>On a developer's laptop a missing requirement skips the test with a message naming what is
 * missing. In CI ({@code CI=true}) nothing this machine supports may skip, so a missing requirement
 * fails the test instead.
 */
public final class Requirements {
    private Requirements() {}

    /** True when running in CI, where a skip would hide a failure. */
    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** True when this process runs as root (uid 0), read from {@code /proc/self/status}. */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (Exception e) {
            return false;
        }
        return false;
    }

    /** Requires root: creating namespaces, links and containers needs it. */
    public static void requireRoot() {
        require(isRoot(), "root (uid 0) to create network namespaces and links");
    }

    /**
     * Requires a condition; skips with {@code what} outside CI, fails inside CI.
     *
     * @param ok whether the requirement holds
     * @param what what the test needs, in words a user understands
     */
    public static void require(boolean ok, String what) {
        if (ok) {
            return;
        }
        String message = "this test needs " + what;
        if (inCi()) {
            throw new AssertionError(message + " (CI=true: a skip here would hide a failure)");
        }
        throw new TestAbortedException(message + "; skipped");
    }
}
