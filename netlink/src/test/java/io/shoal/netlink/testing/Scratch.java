package io.shoal.netlink.testing;

import io.shoal.netlink.ns.NetNs;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Namespaces a test makes, named with a per-run prefix ({@code nl} + 4 hex digits) and all deleted
 * on {@link #close}, even after a failure.
 */
public final class Scratch implements AutoCloseable {
    private final String prefix =
            String.format("nl%04x", ThreadLocalRandom.current().nextInt(0x10000));
    private final List<NetNs> open = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    /** The per-run prefix. */
    public String prefix() {
        return prefix;
    }

    /** A short unique name: prefix + suffix (keep it within 15 characters for links). */
    public String name(String suffix) {
        return prefix + suffix;
    }

    /** Creates and remembers the namespace {@code prefix + suffix}. */
    public NetNs namespace(String suffix) {
        String name = name(suffix);
        names.add(name);
        NetNs ns = NetNs.create(name);
        open.add(ns);
        return ns;
    }

    /** Remembers a namespace name made some other way, so that it is deleted too. */
    public void track(String name) {
        names.add(name);
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (NetNs ns : open) {
            ns.close();
        }
        for (String name : names) {
            try {
                NetNs.deleteIfPresent(name);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
