package io.shoal.netlink.ns;

import io.shoal.netlink.Errno;
import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.socket.NetlinkSocket;
import io.shoal.netlink.sys.LibC;
import io.shoal.netlink.sys.Native;
import io.shoal.netlink.uapi.NamespaceH;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * An open network namespace (a file descriptor on its {@code ns/net} file).
 *
 * <p>The network namespace is a property of each thread ({@code setns} changes only the caller),
 * so {@link #run} executes a task on a new thread made for it, which ends afterwards: no pooled or
 * event-loop thread ever changes namespace, and no thread goes back to a pool in the wrong one.
 * Sockets keep the namespace they were created in, so a socket opened inside {@link #run} can be
 * used from any thread.
 *
 * <p>Named namespaces live under {@code /run/netns} like iproute2's, so {@code ip netns} sees them.
 */
public final class NetNs implements Closeable {
    /** Where named namespaces are bind-mounted, as in iproute2. */
    public static final Path RUN_NETNS = Path.of("/run/netns");

    private final String name;
    private final int fd;
    private boolean closed;

    private NetNs(String name, int fd) {
        this.name = name;
        this.fd = fd;
    }

    /**
     * Creates the named namespace {@code /run/netns/<name>}: a thread unshares a new network
     * namespace and bind-mounts its {@code ns/net} there ({@code /run/netns} made a shared mount
     * first, as iproute2 does). Its loopback starts down, as with {@code ip netns add}.
     *
     * @throws NetlinkException with {@code EEXIST} when the name is taken
     */
    public static NetNs create(String name) {
        checkName(name);
        LibC libc = Native.libc();
        Path path = RUN_NETNS.resolve(name);
        makeRunNetnsShared(libc);
        int file = libc.open(
                path.toString(),
                NamespaceH.O_RDONLY | NamespaceH.O_CREAT | NamespaceH.O_EXCL | NamespaceH.O_CLOEXEC,
                0);
        if (file < 0) {
            throw new NetlinkException("create namespace file " + path, Native.lastErrno(), null);
        }
        libc.close(file);
        try {
            onNewThread("netns-create-" + name, () -> {
                if (libc.unshare(NamespaceH.CLONE_NEWNET) != 0) {
                    throw new NetlinkException("unshare(CLONE_NEWNET) for " + name, Native.lastErrno(), null);
                }
                String own = "/proc/self/task/" + libc.gettid() + "/ns/net";
                if (libc.mount(own, path.toString(), "none", NamespaceH.MS_BIND, null) != 0) {
                    throw new NetlinkException("bind-mount " + own + " on " + path, Native.lastErrno(), null);
                }
                return null;
            });
            return open(name);
        } catch (RuntimeException e) {
            libc.umount2(path.toString(), NamespaceH.MNT_DETACH);
            libc.unlink(path.toString());
            throw e;
        }
    }

    /**
     * Names an existing namespace: bind-mounts {@code source} (e.g. {@code /proc/<pid>/ns/net} of a
     * container) at {@code /run/netns/<name>}, as {@code ip netns attach} does. The name then keeps
     * the namespace reachable by name, for tools and for a restarted agent, until {@link #delete};
     * it does not keep the container's processes alive.
     *
     * @throws NetlinkException with {@code EEXIST} when the name is taken, or the mount's errno
     */
    public static NetNs attach(String name, Path source) {
        checkName(name);
        Objects.requireNonNull(source, "source");
        LibC libc = Native.libc();
        Path path = RUN_NETNS.resolve(name);
        makeRunNetnsShared(libc);
        int file = libc.open(
                path.toString(),
                NamespaceH.O_RDONLY | NamespaceH.O_CREAT | NamespaceH.O_EXCL | NamespaceH.O_CLOEXEC,
                0);
        if (file < 0) {
            throw new NetlinkException("create namespace file " + path, Native.lastErrno(), null);
        }
        libc.close(file);
        if (libc.mount(source.toString(), path.toString(), "none", NamespaceH.MS_BIND, null) != 0) {
            int errno = Native.lastErrno();
            libc.unlink(path.toString());
            throw new NetlinkException("bind-mount " + source + " on " + path, errno, null);
        }
        return open(name);
    }

    /** Opens the named namespace {@code /run/netns/<name>}; {@code ENOENT} when absent. */
    public static NetNs open(String name) {
        checkName(name);
        return openPath(RUN_NETNS.resolve(name), name);
    }

    /** Opens a namespace by the path of its file (e.g. a bind mount or {@code /proc/PID/ns/net}). */
    public static NetNs openPath(Path path) {
        return openPath(path, path.toString());
    }

    /** Opens the network namespace of process {@code pid}. */
    public static NetNs openPid(int pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be > 0, was " + pid);
        }
        return openPath(Path.of("/proc", Integer.toString(pid), "ns", "net"), "pid " + pid);
    }

    /** Opens the namespace the calling thread is in. */
    public static NetNs current() {
        return openPath(Path.of("/proc/thread-self/ns/net"), "current");
    }

    private static NetNs openPath(Path path, String name) {
        Objects.requireNonNull(path, "path");
        int fd = Native.libc().open(path.toString(), NamespaceH.O_RDONLY | NamespaceH.O_CLOEXEC, 0);
        if (fd < 0) {
            throw new NetlinkException("open namespace " + path, Native.lastErrno(), null);
        }
        return new NetNs(name, fd);
    }

    /** True when {@code /run/netns/<name>} exists. */
    public static boolean exists(String name) {
        checkName(name);
        return Files.exists(RUN_NETNS.resolve(name));
    }

    /**
     * True when {@code /run/netns/<name>} exists but holds no namespace: a file whose bind mount was
     * lost, e.g. made by a process that ran in a private mount namespace ({@code ip netns exec})
     * and exited. Entering it fails with {@code EINVAL}; the name must be deleted and made again.
     */
    public static boolean isStale(String name) {
        checkName(name);
        Path path = RUN_NETNS.resolve(name);
        if (!Files.exists(path)) {
            return false;
        }
        String mountPoint = " " + path + " ";
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
            // Field 5 is the mount point; paths with spaces are octal-escaped, names here have none.
            return lines.noneMatch(l -> l.contains(mountPoint));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("read /proc/self/mountinfo", e);
        }
    }

    /** Names under {@code /run/netns}. */
    public static List<String> list() {
        if (!Files.isDirectory(RUN_NETNS)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(RUN_NETNS)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("list " + RUN_NETNS, e);
        }
    }

    /**
     * Deletes the named namespace: lazy unmount and unlink, as {@code ip netns delete} does. The
     * namespace itself goes away when nothing else (an open descriptor, a process) holds it.
     *
     * @throws NetlinkException with {@code ENOENT} when absent
     */
    public static void delete(String name) {
        checkName(name);
        LibC libc = Native.libc();
        String path = RUN_NETNS.resolve(name).toString();
        libc.umount2(path, NamespaceH.MNT_DETACH); // EINVAL when not mounted: the unlink still cleans up
        if (libc.unlink(path) != 0) {
            throw new NetlinkException("delete namespace " + path, Native.lastErrno(), null);
        }
    }

    /** Deletes the named namespace if present; returns whether it was. */
    public static boolean deleteIfPresent(String name) {
        try {
            delete(name);
            return true;
        } catch (NetlinkException e) {
            if (e.is(Errno.ENOENT)) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Runs {@code task} inside this namespace on a new thread and waits for it. Runtime exceptions
     * and errors from the task are rethrown as they are; checked ones wrapped in {@link
     * CompletionException}.
     */
    public <T> T run(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        ensureOpen();
        return onNewThread("netns-" + name, () -> {
            if (Native.libc().setns(fd, NamespaceH.CLONE_NEWNET) != 0) {
                throw new NetlinkException("setns(" + name + ", CLONE_NEWNET)", Native.lastErrno(), null);
            }
            return task.call();
        });
    }

    /** Opens a netlink socket inside this namespace; it keeps talking to this namespace. */
    public NetlinkSocket openSocket(int protocol) {
        return run(() -> NetlinkSocket.open(protocol));
    }

    /** The name given at open, or the path/pid it was opened by. */
    public String name() {
        return name;
    }

    /** The open descriptor, for requests that name a namespace by fd ({@code IFLA_NET_NS_FD}). */
    public int fd() {
        ensureOpen();
        return fd;
    }

    /** Closes the descriptor (a named namespace stays until {@link #delete}). */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Native.libc().close(fd);
        }
    }

    private synchronized void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("namespace " + name + " is closed");
        }
    }

    @Override
    public String toString() {
        return "NetNs[" + name + "]";
    }

    /** True when this process can enter network namespaces ({@code setns} with CAP_SYS_ADMIN). */
    public static boolean isAvailable() {
        return Availability.CAUSE == null;
    }

    /** Why namespaces cannot be used, or null when they can. */
    public static Throwable unavailabilityCause() {
        return Availability.CAUSE;
    }

    /** Throws {@link UnsupportedOperationException} with the cause when namespaces are unavailable. */
    public static void ensureAvailability() {
        if (Availability.CAUSE != null) {
            throw new UnsupportedOperationException("network namespaces are not available", Availability.CAUSE);
        }
    }

    /**
     * Probed on first use, not in NetNs's own initializer: the probe runs a task on another thread,
     * which would wait forever for NetNs to finish initializing.
     */
    private static final class Availability {
        static final Throwable CAUSE = probe();
    }

    private static Throwable probe() {
        if (!Native.isAvailable()) {
            return Native.unavailabilityCause();
        }
        // Entering our own namespace needs the same privilege as entering any other.
        try (NetNs self = openPath(Path.of("/proc/self/ns/net"), "self")) {
            self.run(() -> null);
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    private static void makeRunNetnsShared(LibC libc) {
        try {
            Files.createDirectories(RUN_NETNS);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("create " + RUN_NETNS, e);
        }
        String dir = RUN_NETNS.toString();
        // A namespace mounted here must show in every mount namespace, so the directory is a shared
        // mount point; if it is not a mount point yet (EINVAL), bind it onto itself first.
        boolean boundOntoItself = false;
        while (libc.mount("", dir, "none", NamespaceH.MS_SHARED | NamespaceH.MS_REC, null) != 0) {
            int errno = Native.lastErrno();
            if (errno != Errno.EINVAL.code() || boundOntoItself) {
                throw new NetlinkException("make " + dir + " a shared mount", errno, null);
            }
            if (libc.mount(dir, dir, "none", NamespaceH.MS_BIND | NamespaceH.MS_REC, null) != 0) {
                throw new NetlinkException("bind-mount " + dir + " onto itself", Native.lastErrno(), null);
            }
            boundOntoItself = true;
        }
    }

    private static <T> T onNewThread(String threadName, Callable<T> task) {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = new Thread(
                () -> {
                    try {
                        result.set(task.call());
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                },
                threadName);
        thread.setDaemon(true);
        thread.start();
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                // The task cannot be abandoned half-way in another namespace; finish, then re-flag.
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable t = failure.get();
        if (t == null) {
            return result.get();
        }
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new CompletionException(t);
    }

    private static void checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.length() > 64 || name.equals(".") || name.equals("..") || name.contains("/")) {
            throw new IllegalArgumentException(
                    "namespace name must be 1 to 64 characters without '/', not \".\" or \"..\", was \"" + name + "\"");
        }
    }
}
