package io.shoal.ingress.balance;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/** Each backend in turn; a failed one is skipped for the connection that tried it. */
final class RoundRobinBalancer implements Balancer {
    private final List<Backend> backends;
    private final AtomicLong sequence;

    RoundRobinBalancer(List<Backend> backends, AtomicLong sequence) {
        this.backends = List.copyOf(backends);
        this.sequence = sequence;
    }

    @Override
    public Backend pick(InetAddress client, Set<Backend> exclude) {
        int n = backends.size();
        if (n == 0) {
            return null;
        }
        long start = sequence.getAndIncrement();
        for (int i = 0; i < n; i++) {
            Backend b = backends.get((int) Math.floorMod(start + i, (long) n));
            if (!exclude.contains(b) && !b.isDraining()) {
                return b;
            }
        }
        return null;
    }

    @Override
    public List<Backend> backends() {
        return backends;
    }
}
