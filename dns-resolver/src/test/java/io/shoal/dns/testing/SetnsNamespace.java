package io.shoal.dns.testing;

import io.shoal.dns.transport.SocketNamespace;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * A {@link SocketNamespace} for tests: runs the socket constructor on a fresh thread that entered
 * a named network namespace ({@code /run/netns/<name>}) with {@code setns(2)}. Stands in for the
 * netlink module's {@code NetNs} until it lands; the thread dies afterwards, so nothing else ever
 * runs in the namespace by accident.
 */
public final class SetnsNamespace implements SocketNamespace {
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;

    /** The three libc calls needed. */
    public interface LibC {
        int open(String path, int flags);

        int setns(int fd, int nstype);

        int close(int fd);
    }

    private static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

    private final String name;

    public SetnsNamespace(String name) {
        this.name = name;
    }

    @Override
    public <T> T open(Supplier<T> opener) {
        FutureTask<T> task = new FutureTask<>(() -> {
            String path = "/run/netns/" + name;
            int fd = LIBC.open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                throw new IllegalStateException(
                        "open " + path + ": errno " + LastError.getLastError(Runtime.getSystemRuntime()));
            }
            try {
                if (LIBC.setns(fd, CLONE_NEWNET) != 0) {
                    throw new IllegalStateException(
                            "setns " + path + ": errno " + LastError.getLastError(Runtime.getSystemRuntime()));
                }
            } finally {
                LIBC.close(fd);
            }
            return opener.get();
        });
        Thread t = new Thread(task, "netns-" + name);
        t.start();
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while opening a socket in " + name, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "cannot open a socket in netns " + name + ": "
                            + e.getCause().getMessage(),
                    e.getCause());
        }
    }

    @Override
    public String toString() {
        return "netns " + name;
    }
}
