package io.shoal.vxlan;

import io.shoal.netlink.ns.NetNs;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a container's network namespace is: a path (a bind mount such as {@code /run/netns/x}, or
 * {@code /proc/<pid>/ns/net}) or the PID of a process inside it.
 */
public sealed interface ContainerNamespace {
    /** The namespace at {@code path}. */
    static ContainerNamespace path(Path path) {
        return new AtPath(path);
    }

    /** The namespace of process {@code pid}. */
    static ContainerNamespace pid(int pid) {
        return new OfPid(pid);
    }

    /** Opens the namespace (the caller closes it). */
    NetNs open();

    /** A namespace file. */
    record AtPath(Path path) implements ContainerNamespace {
        public AtPath {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public NetNs open() {
            return NetNs.openPath(path);
        }

        @Override
        public String toString() {
            return path.toString();
        }
    }

    /** The namespace of a process. */
    record OfPid(int pid) implements ContainerNamespace {
        public OfPid {
            if (pid <= 0) {
                throw new IllegalArgumentException("pid must be > 0, was " + pid);
            }
        }

        @Override
        public NetNs open() {
            return NetNs.openPid(pid);
        }

        @Override
        public String toString() {
            return "pid " + pid;
        }
    }
}
