package io.shoal.dns.forward;

import java.time.Duration;

/**
 * The cache of upstream answers.
 *
 * @param maxEntries entries kept at most (default 10,000); 0 turns the cache off
 * @param maxTtl positive answers are kept at most this long, whatever their TTL (default 1 h)
 * @param maxNegativeTtl NXDOMAIN/NODATA answers (RFC 2308, TTL from their SOA) at most this long
 *     (default 5 min)
 * @param staleFor how long past expiry an answer may still be served when every upstream fails
 *     (RFC 8767 serve-stale; default 1 h)
 * @param staleTtl the TTL a stale answer carries (default 30 s, as RFC 8767 recommends)
 */
public record CacheConfig(
        int maxEntries, Duration maxTtl, Duration maxNegativeTtl, Duration staleFor, Duration staleTtl) {
    public static final CacheConfig DEFAULTS = new CacheConfig(
            10_000, Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofSeconds(30));

    public CacheConfig {
        if (maxEntries < 0) {
            throw new IllegalArgumentException("cache maxEntries must not be negative, got " + maxEntries);
        }
        check("maxTtl", maxTtl);
        check("maxNegativeTtl", maxNegativeTtl);
        check("staleFor", staleFor);
        check("staleTtl", staleTtl);
    }

    private static void check(String field, Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException("cache " + field + " must be zero or positive, got " + d);
        }
    }
}
