package io.shoal.ingress.balance;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The backend with the fewest open connections. The scan starts at a rotating position so that
 * ties spread round robin instead of piling onto the first backend.
 */
final class LeastConnectionsBalancer implements Balancer {
    private final List<Backend> backends;
    private final AtomicLong sequence;

    LeastConnectionsBalancer(List<Backend> backends, AtomicLong sequence) {
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
        Backend best = null;
        int bestActive = Integer.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            Backend b = backends.get((int) Math.floorMod(start + i, (long) n));
            if (exclude.contains(b) || b.isDraining()) {
                continue;
            }
            int a = b.activeConnections();
            if (a < bestActive) {
                best = b;
                bestActive = a;
            }
        }
        return best;
    }

    @Override
    public List<Backend> backends() {
        return backends;
    }
}
