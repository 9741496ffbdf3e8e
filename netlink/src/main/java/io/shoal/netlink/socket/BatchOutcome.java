package io.shoal.netlink.socket;

import io.shoal.netlink.NetlinkException;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What became of a batch: each request succeeded or failed on its own, as if sent alone.
 *
 * @param requests how many requests the batch held
 * @param failures the kernel's refusal for each failed request, by its position in the batch
 */
public record BatchOutcome(int requests, SortedMap<Integer, NetlinkException> failures) {
    public BatchOutcome {
        failures = Collections.unmodifiableSortedMap(new TreeMap<>(failures));
    }

    /** Requests the kernel accepted. */
    public int succeeded() {
        return requests - failures.size();
    }

    /** True when every request was accepted. */
    public boolean allSucceeded() {
        return failures.isEmpty();
    }

    /** Throws the first failure (the others attached as suppressed), if any. */
    public void throwIfAnyFailed() {
        if (failures.isEmpty()) {
            return;
        }
        NetlinkException first = failures.get(failures.firstKey());
        failures.values().stream().skip(1).forEach(first::addSuppressed);
        throw first;
    }
}
