package io.shoal.testbed;

import io.shoal.netlink.ns.NetNs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Named network namespaces ({@code /run/netns}) and the processes inside them, read from the kernel's
 * files directly.
 *
 * <p>A process belongs to a namespace when {@code /proc/<pid>/ns/net} points at the namespace's inode.
 * This finds every process of a host, including daemons that left the process tree the testbed
 * started, and it still works after the namespace's name is gone.
 */
public final class Namespaces {
    /** Where named namespaces live; the same folder netlink's {@code NetNs} (and iproute2) use. */
    private static final Path NETNS_DIR = NetNs.RUN_NETNS;

    private Namespaces() {}

    /** The bind-mount that keeps named namespace {@code name} alive. */
    public static Path path(String name) {
        return NETNS_DIR.resolve(name);
    }

    /** Names of all named network namespaces on this machine. */
    public static Set<String> list() {
        Set<String> names = new TreeSet<>();
        if (!Files.isDirectory(NETNS_DIR)) {
            return names;
        }
        try (Stream<Path> entries = Files.list(NETNS_DIR)) {
            entries.forEach(p -> names.add(p.getFileName().toString()));
        } catch (IOException e) {
            throw new TestbedException("cannot list " + NETNS_DIR + ": " + e.getMessage(), e);
        }
        return names;
    }

    /** The inode number that identifies namespace {@code name} in {@code /proc/<pid>/ns/net}. */
    public static long inode(String name) {
        try {
            return ((Number) Files.getAttribute(path(name), "unix:ino")).longValue();
        } catch (IOException | UnsupportedOperationException e) {
            throw new TestbedException("cannot read the inode of namespace " + name + ": " + e.getMessage(), e);
        }
    }

    /** Pids of all processes whose network namespace has inode {@code inode}. */
    public static List<Long> pidsIn(long inode) {
        String wanted = "net:[" + inode + "]";
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .forEach(p -> {
                        try {
                            if (Files.readSymbolicLink(p.resolve("ns/net"))
                                    .toString()
                                    .equals(wanted)) {
                                pids.add(Long.parseLong(p.getFileName().toString()));
                            }
                        } catch (IOException e) {
                            // The process exited while we looked, or is a kernel thread we may not read.
                        }
                    });
        } catch (IOException e) {
            throw new TestbedException("cannot list /proc: " + e.getMessage(), e);
        }
        return pids;
    }

    /**
     * Kills (SIGKILL) every process in the namespace with inode {@code inode} and waits until none is
     * left, so that deleting the namespace really frees it and its links.
     *
     * @throws TestbedException when processes survive for 10 seconds
     */
    public static void killAllIn(long inode) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        List<Long> pids = pidsIn(inode);
        while (!pids.isEmpty()) {
            for (long pid : pids) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            if (System.nanoTime() > deadline) {
                throw new TestbedException("processes " + pids + " survive SIGKILL in namespace inode " + inode);
            }
            for (long pid : pids) {
                ProcessHandle.of(pid).ifPresent(h -> h.onExit()
                        .orTimeout(1, java.util.concurrent.TimeUnit.SECONDS)
                        .exceptionally(t -> h)
                        .join());
            }
            pids = pidsIn(inode);
        }
    }
}
