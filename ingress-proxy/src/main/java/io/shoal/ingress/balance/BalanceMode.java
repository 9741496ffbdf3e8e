package io.shoal.ingress.balance;

import java.util.List;
import java.util.Locale;

/** How a published port chooses its backend. */
public enum BalanceMode {
    /** Each backend in turn (the default). */
    ROUND_ROBIN,
    /** The backend with the fewest open connections; ties go round robin. */
    LEAST_CONNECTIONS,
    /** Consistent hashing of the client address over a Maglev lookup table: client affinity. */
    MAGLEV;

    /** A balancer of this mode over {@code backends}; {@code sequence} keeps round-robin position across updates. */
    public Balancer build(List<Backend> backends, java.util.concurrent.atomic.AtomicLong sequence) {
        return switch (this) {
            case ROUND_ROBIN -> new RoundRobinBalancer(backends, sequence);
            case LEAST_CONNECTIONS -> new LeastConnectionsBalancer(backends, sequence);
            case MAGLEV -> new MaglevBalancer(backends, MaglevTable.DEFAULT_SIZE);
        };
    }

    /** Parses {@code round_robin}, {@code least_connections} or {@code maglev} (any case, '-' or '_'). */
    public static BalanceMode parse(String value) {
        String v = value == null ? "" : value.trim().replace('-', '_').toUpperCase(Locale.ROOT);
        for (BalanceMode m : values()) {
            if (m.name().equals(v)) {
                return m;
            }
        }
        throw new IllegalArgumentException(
                "balance mode: '" + value + "' is not one of round_robin, least_connections, maglev");
    }
}
