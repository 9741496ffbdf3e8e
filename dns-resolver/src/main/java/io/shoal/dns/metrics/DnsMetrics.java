package io.shoal.dns.metrics;

import io.shoal.dns.wire.DnsWire;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the DNS server, safe to bump from every event loop without contention (LongAdder),
 * exposed in the Prometheus text format by {@link #writePrometheus(StringBuilder)}.
 *
 * <p>Labels are closed sets (a handful of query types, the rcodes), so cardinality stays small.
 */
public final class DnsMetrics {
    private static final String[] TYPES = {"A", "AAAA", "PTR", "SRV", "ANY", "OTHER"};
    private static final int[] RCODES = {
        DnsWire.NOERROR,
        DnsWire.FORMERR,
        DnsWire.SERVFAIL,
        DnsWire.NXDOMAIN,
        DnsWire.NOTIMP,
        DnsWire.REFUSED,
        DnsWire.BADVERS,
        -1
    };

    private final LongAdder[] queries = adders(TYPES.length);
    private final LongAdder[] responses = adders(RCODES.length);
    private final LongAdder forwarded = new LongAdder();
    private final LongAdder truncated = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder upstreamFailures = new LongAdder();
    private final LongAdder upstreamLatencyNanos = new LongAdder();
    private final LongAdder upstreamAnswers = new LongAdder();
    private final LongAdder cacheHits = new LongAdder();
    private final LongAdder staleAnswers = new LongAdder();
    private final LongAdder udpReceiveCalls = new LongAdder();
    private final LongAdder udpDatagrams = new LongAdder();

    /** Counts a query that carried a question of {@code qtype}. */
    public void query(int qtype) {
        queries[typeIndex(qtype)].increment();
    }

    /** Counts a response sent with {@code rcode}, from the table or from upstream. */
    public void response(int rcode) {
        responses[rcodeIndex(rcode)].increment();
    }

    public void forwarded() {
        forwarded.increment();
    }

    public void truncated() {
        truncated.increment();
    }

    /** Counts a packet dropped without an answer (no header, or a response sent to us). */
    public void dropped() {
        dropped.increment();
    }

    /** Counts an upstream attempt that timed out or failed. */
    public void upstreamFailure() {
        upstreamFailures.increment();
    }

    /** Records the time an upstream took to answer. */
    public void upstreamAnswered(long nanos) {
        upstreamAnswers.increment();
        upstreamLatencyNanos.add(nanos);
    }

    /** Counts a forwarded query answered from the cache. */
    public void cacheHit() {
        cacheHits.increment();
    }

    /** Counts an expired cached answer served because every upstream failed (RFC 8767). */
    public void staleAnswer() {
        staleAnswers.increment();
    }

    /**
     * One receive system call of the batched UDP loop that returned {@code datagrams} queries:
     * datagrams per call says how much batching the load gives (1 at a trickle, up to 32).
     */
    public void udpReceived(int datagrams) {
        udpReceiveCalls.increment();
        udpDatagrams.add(datagrams);
    }

    public long udpReceiveCallCount() {
        return udpReceiveCalls.sum();
    }

    public long udpDatagramCount() {
        return udpDatagrams.sum();
    }

    public long cacheHitCount() {
        return cacheHits.sum();
    }

    public long staleAnswerCount() {
        return staleAnswers.sum();
    }

    public long queries(String type) {
        for (int i = 0; i < TYPES.length; i++) {
            if (TYPES[i].equals(type)) {
                return queries[i].sum();
            }
        }
        throw new IllegalArgumentException("type must be one of A, AAAA, PTR, SRV, ANY, OTHER, got " + type);
    }

    public long responses(int rcode) {
        return responses[rcodeIndex(rcode)].sum();
    }

    public long forwardedCount() {
        return forwarded.sum();
    }

    public long truncatedCount() {
        return truncated.sum();
    }

    public long droppedCount() {
        return dropped.sum();
    }

    public long upstreamFailureCount() {
        return upstreamFailures.sum();
    }

    /** Appends every counter in the Prometheus text exposition format. */
    public void writePrometheus(StringBuilder out) {
        out.append("# TYPE shoal_dns_queries_total counter\n");
        for (int i = 0; i < TYPES.length; i++) {
            out.append("shoal_dns_queries_total{type=\"")
                    .append(TYPES[i])
                    .append("\"} ")
                    .append(queries[i].sum())
                    .append('\n');
        }
        out.append("# TYPE shoal_dns_responses_total counter\n");
        for (int i = 0; i < RCODES.length; i++) {
            out.append("shoal_dns_responses_total{rcode=\"")
                    .append(DnsWire.rcodeName(RCODES[i]))
                    .append("\"} ")
                    .append(responses[i].sum())
                    .append('\n');
        }
        counter(out, "shoal_dns_forwarded_total", forwarded);
        counter(out, "shoal_dns_truncated_total", truncated);
        counter(out, "shoal_dns_dropped_total", dropped);
        counter(out, "shoal_dns_upstream_failures_total", upstreamFailures);
        counter(out, "shoal_dns_cache_hits_total", cacheHits);
        counter(out, "shoal_dns_cache_stale_answers_total", staleAnswers);
        counter(out, "shoal_dns_udp_receive_calls_total", udpReceiveCalls);
        counter(out, "shoal_dns_udp_received_datagrams_total", udpDatagrams);
        out.append("# TYPE shoal_dns_upstream_latency_seconds summary\n");
        out.append("shoal_dns_upstream_latency_seconds_sum ")
                .append(upstreamLatencyNanos.sum() / 1e9)
                .append('\n');
        out.append("shoal_dns_upstream_latency_seconds_count ")
                .append(upstreamAnswers.sum())
                .append('\n');
    }

    private static void counter(StringBuilder out, String name, LongAdder value) {
        out.append("# TYPE ").append(name).append(" counter\n");
        out.append(name).append(' ').append(value.sum()).append('\n');
    }

    private static int typeIndex(int qtype) {
        return switch (qtype) {
            case DnsWire.TYPE_A -> 0;
            case DnsWire.TYPE_AAAA -> 1;
            case DnsWire.TYPE_PTR -> 2;
            case DnsWire.TYPE_SRV -> 3;
            case DnsWire.TYPE_ANY -> 4;
            default -> 5;
        };
    }

    private static int rcodeIndex(int rcode) {
        for (int i = 0; i < RCODES.length - 1; i++) {
            if (RCODES[i] == rcode) {
                return i;
            }
        }
        return RCODES.length - 1;
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }
}
