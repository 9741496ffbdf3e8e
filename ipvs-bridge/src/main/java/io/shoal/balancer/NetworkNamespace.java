package io.shoal.balancer;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A network namespace to program: a named one from {@code ip netns} ({@code /run/netns/<name>})
 * or the caller's own. Until the netlink module's {@code NetNs} exists, this is a name.
 */
public final class NetworkNamespace {
    private static final NetworkNamespace CURRENT = new NetworkNamespace(null);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final String name;

    private NetworkNamespace(String name) {
        this.name = name;
    }

    /** The namespace of this process. */
    public static NetworkNamespace current() {
        return CURRENT;
    }

    /** A namespace created with {@code ip netns add <name>}. */
    public static NetworkNamespace named(String name) {
        if (name == null || !NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException(
                    "namespace name must be 1..64 characters of [A-Za-z0-9_.-], was '" + name + "'");
        }
        return new NetworkNamespace(name);
    }

    /** True for the caller's own namespace. */
    public boolean isCurrent() {
        return name == null;
    }

    /** The bind-mount path of a named namespace. */
    public Path path() {
        if (name == null) {
            return Path.of("/proc/self/ns/net");
        }
        return Path.of("/run/netns", name);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NetworkNamespace n && Objects.equals(name, n.name);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(name);
    }

    @Override
    public String toString() {
        return name == null ? "(current namespace)" : name;
    }
}
