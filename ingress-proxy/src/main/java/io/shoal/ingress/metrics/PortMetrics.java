package io.shoal.ingress.metrics;

import io.shoal.ingress.policy.PortKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one published port. Hot-path updates are {@link LongAdder}s (no contention between
 * event loops); {@link #samples()} reads them as Prometheus-style samples.
 */
public final class PortMetrics {
    public static final String CONNECTIONS_ACTIVE = "shoal_ingress_connections_active";
    public static final String CONNECTIONS_TOTAL = "shoal_ingress_connections_total";
    public static final String IN_BYTES_TOTAL = "shoal_ingress_in_bytes_total";
    public static final String OUT_BYTES_TOTAL = "shoal_ingress_out_bytes_total";
    public static final String BUFFERED_BYTES = "shoal_ingress_buffered_bytes";
    public static final String CONNECT_FAILURES_TOTAL = "shoal_ingress_backend_connect_failures_total";
    public static final String REJECTED_TOTAL = "shoal_ingress_rejected_connections_total";
    public static final String CONNECT_SECONDS = "shoal_ingress_backend_connect_seconds";

    private final PortKey key;
    private final LongAdder active = new LongAdder();
    private final LongAdder total = new LongAdder();
    private final LongAdder inBytes = new LongAdder();
    private final LongAdder outBytes = new LongAdder();
    private final LongAdder buffered = new LongAdder();
    private final LongAdder connectFailures = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LatencyHistogram connectLatency = new LatencyHistogram();

    /** Counters of the published port {@code key}, all zero. */
    public PortMetrics(PortKey key) {
        this.key = key;
    }

    /** The port these counters belong to. */
    public PortKey key() {
        return key;
    }

    /** A client connection (TCP) or flow (UDP) began. */
    public void opened() {
        active.increment();
        total.increment();
    }

    /** A client connection or flow ended. */
    public void closed() {
        active.decrement();
    }

    /** Bytes read from a client, before they are written to the backend. */
    public void readFromClient(long bytes) {
        buffered.add(bytes);
    }

    /** Bytes read from a backend, before they are written to the client. */
    public void readFromBackend(long bytes) {
        buffered.add(bytes);
    }

    /** Client bytes the backend accepted. */
    public void wroteToBackend(long bytes) {
        buffered.add(-bytes);
        inBytes.add(bytes);
    }

    /** Backend bytes the client accepted. */
    public void wroteToClient(long bytes) {
        buffered.add(-bytes);
        outBytes.add(bytes);
    }

    /** Bytes read but not (yet) written on, e.g. dropped with a closed peer. */
    public void discarded(long bytes) {
        buffered.add(-bytes);
    }

    /** A UDP datagram from a client was sent on to its backend. */
    public void datagramToBackend(long bytes) {
        inBytes.add(bytes);
    }

    /** A UDP reply from a backend was sent back to its client. */
    public void datagramToClient(long bytes) {
        outBytes.add(bytes);
    }

    /** A backend connect failed (it is retried on another backend when one is left). */
    public void connectFailed() {
        connectFailures.increment();
    }

    /** A connection refused by policy (PROXY header from an untrusted source, missing from a trusted one). */
    public void rejected() {
        rejected.increment();
    }

    /** A backend connect succeeded after {@code nanos}. */
    public void connected(long nanos) {
        connectLatency.record(nanos);
    }

    /** Open connections (TCP) or live flows (UDP) now. */
    public long activeConnections() {
        return active.sum();
    }

    /** Connections or flows opened since start. */
    public long totalConnections() {
        return total.sum();
    }

    /** Client bytes delivered to backends. */
    public long inBytes() {
        return inBytes.sum();
    }

    /** Backend bytes delivered to clients. */
    public long outBytes() {
        return outBytes.sum();
    }

    /** Bytes held by the proxy right now for this port: read from one side, not yet written to the other. */
    public long bufferedBytes() {
        return buffered.sum();
    }

    /** Failed backend connects since start. */
    public long connectFailures() {
        return connectFailures.sum();
    }

    /** Connections refused by the PROXY protocol policy since start. */
    public long rejectedConnections() {
        return rejected.sum();
    }

    /** Every sample of this port, labelled {@code port} and {@code protocol}. */
    public List<Sample> samples() {
        String labels =
                "port=\"" + key.port() + "\",protocol=\"" + key.protocol().json() + "\"";
        List<Sample> out = new ArrayList<>();
        out.add(new Sample(CONNECTIONS_ACTIVE, labels, activeConnections()));
        out.add(new Sample(CONNECTIONS_TOTAL, labels, totalConnections()));
        out.add(new Sample(IN_BYTES_TOTAL, labels, inBytes()));
        out.add(new Sample(OUT_BYTES_TOTAL, labels, outBytes()));
        out.add(new Sample(BUFFERED_BYTES, labels, bufferedBytes()));
        out.add(new Sample(CONNECT_FAILURES_TOTAL, labels, connectFailures()));
        out.add(new Sample(REJECTED_TOTAL, labels, rejectedConnections()));
        long[] cumulative = connectLatency.cumulative();
        for (int i = 0; i < cumulative.length; i++) {
            String le = i < LatencyHistogram.BOUNDS.length ? Double.toString(LatencyHistogram.BOUNDS[i]) : "+Inf";
            out.add(new Sample(CONNECT_SECONDS + "_bucket", labels + ",le=\"" + le + "\"", cumulative[i]));
        }
        out.add(new Sample(CONNECT_SECONDS + "_sum", labels, connectLatency.sumSeconds()));
        out.add(new Sample(CONNECT_SECONDS + "_count", labels, cumulative[cumulative.length - 1]));
        return out;
    }
}
