package io.shoal.ingress.balance;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

/**
 * Client affinity: the client address hashes to a slot of a {@link MaglevTable}; the same client
 * reaches the same backend while the backend set is unchanged, and mostly still after a change.
 * When the chosen backend is excluded (its connect failed) the next slots are tried in order.
 */
final class MaglevBalancer implements Balancer {
    private final List<Backend> backends;
    private final int[] table;

    MaglevBalancer(List<Backend> backends, int size) {
        this.backends = List.copyOf(backends);
        this.table = MaglevTable.build(this.backends.stream().map(Backend::key).toList(), size);
    }

    @Override
    public Backend pick(InetAddress client, Set<Backend> exclude) {
        if (table.length == 0) {
            return null;
        }
        int slot = (int) Long.remainderUnsigned(MaglevTable.hash(client, 0), table.length);
        // Bounded: after one pass over the backends' worth of distinct slots everything was tried.
        for (int i = 0; i < table.length; i++) {
            Backend b = backends.get(table[(slot + i) % table.length]);
            if (!exclude.contains(b) && !b.isDraining()) {
                return b;
            }
            if (exclude.size() >= backends.size()) {
                return null;
            }
        }
        return null;
    }

    @Override
    public List<Backend> backends() {
        return backends;
    }
}
