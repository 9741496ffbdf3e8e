package io.shoal.dns.resolve;

import java.time.Duration;

/**
 * TTLs of Shoal's own answers. Short on purpose: Docker's fixed 600 s lets clients keep a dead
 * task's address for ten minutes and defeats round robin by DNS.
 *
 * @param vip TTL of a service's virtual IP (and PTR of a VIP, SRV through a VIP). Default 5 s: a
 *     VIP lives as long as its service, so only a deleted and recreated service changes it; 5 s is
 *     what Kubernetes' CoreDNS uses for cluster names and bounds how stale a client can be.
 * @param task TTL of task addresses ({@code tasks.<service>}, dnsrr services, task names,
 *     hostnames, their PTR and SRV). Default 1 s: a task that stops being ready must leave clients'
 *     answers at once, and each new lookup should get a new shuffle. 1 s rather than 0 because some
 *     stub caches treat 0 specially, while 1 s means the same thing everywhere.
 */
public record DnsTtls(Duration vip, Duration task) {
    public static final DnsTtls DEFAULTS = new DnsTtls(Duration.ofSeconds(5), Duration.ofSeconds(1));

    public DnsTtls {
        check("vip", vip);
        check("task", task);
    }

    int vipSeconds() {
        return (int) vip.toSeconds();
    }

    int taskSeconds() {
        return (int) task.toSeconds();
    }

    private static void check(String field, Duration ttl) {
        if (ttl == null || ttl.isNegative() || ttl.toSeconds() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ttl " + field + " must be between 0 and 2^31-1 seconds, got " + ttl);
        }
    }
}
