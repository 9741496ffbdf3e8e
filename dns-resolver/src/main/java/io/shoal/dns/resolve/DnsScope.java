package io.shoal.dns.resolve;

import java.util.List;

/**
 * The networks of the container that asks, in the order its names are searched: a name resolves on
 * the first of these networks that knows it, and a name living only elsewhere does not resolve.
 *
 * @param networkIds network ids, the container's first network first
 */
public record DnsScope(List<String> networkIds) {
    public DnsScope {
        if (networkIds == null) {
            throw new IllegalArgumentException("networkIds must not be null (use an empty list)");
        }
        for (String id : networkIds) {
            if (id == null || id.isBlank()) {
                throw new IllegalArgumentException("networkIds must not contain an empty network id: " + networkIds);
            }
        }
        networkIds = List.copyOf(networkIds);
    }

    /** A scope over the given network ids. */
    public static DnsScope of(String... networkIds) {
        return new DnsScope(List.of(networkIds));
    }

    public boolean contains(String networkId) {
        return networkIds.contains(networkId);
    }
}
