package io.shoal.ingress.metrics;

import io.shoal.ingress.policy.PortKey;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one published port; {@link #samples()} reads them as Prometheus-style samples.
 *
 * <p>The byte counters, updated for every relayed chunk, are kept per thread ({@link ByteCounters}:
 * one writer each, a plain add and an opaque store, no atomic read-modify-write); a connection and
 * its UDP flows live on one event loop, so each event loop writes only its own. Readers sum them.
 * The per-connection counters are {@link LongAdder}s.
 */
public final class PortMetrics {
    public static final String CONNECTIONS_ACTIVE = "shoal_ingress_connections_active";
    public static final String CONNECTIONS_TOTAL = "shoal_ingress_connections_total";
    public static final String IN_BYTES_TOTAL = "shoal_ingress_in_bytes_total";
    public static final String OUT_BYTES_TOTAL = "shoal_ingress_out_bytes_total";
    public static final String BUFFERED_BYTES = "shoal_ingress_buffered_bytes";
    public static final String SPLICED_BYTES_TOTAL = "shoal_ingress_spliced_bytes_total";
    public static final String CONNECT_FAILURES_TOTAL = "shoal_ingress_backend_connect_failures_total";
    public static final String REJECTED_TOTAL = "shoal_ingress_rejected_connections_total";
    public static final String CONNECT_SECONDS = "shoal_ingress_backend_connect_seconds";

    private final PortKey key;
    private final LongAdder active = new LongAdder();
    private final LongAdder total = new LongAdder();
    private final List<ByteCounters> byteCounters = new CopyOnWriteArrayList<>();
    private final ThreadLocal<ByteCounters> ownCounters = ThreadLocal.withInitial(this::newByteCounters);
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

    /**
     * The byte counters of the calling thread, to be used only by that thread (an event loop keeps
     * them for the connections it serves).
     */
    public ByteCounters byteCounters() {
        return ownCounters.get();
    }

    private ByteCounters newByteCounters() {
        ByteCounters c = new ByteCounters();
        byteCounters.add(c);
        return c;
    }

    /** Bytes read from a client, before they are written to the backend (calling thread's counters). */
    public void readFromClient(long bytes) {
        byteCounters().read(bytes);
    }

    /** Bytes read from a backend, before they are written to the client (calling thread's counters). */
    public void readFromBackend(long bytes) {
        byteCounters().read(bytes);
    }

    /** Client bytes the backend accepted (calling thread's counters). */
    public void wroteToBackend(long bytes) {
        byteCounters().wroteToBackend(bytes);
    }

    /** Backend bytes the client accepted (calling thread's counters). */
    public void wroteToClient(long bytes) {
        byteCounters().wroteToClient(bytes);
    }

    /** Bytes read but not (yet) written on, e.g. dropped with a closed peer (calling thread's counters). */
    public void discarded(long bytes) {
        byteCounters().discarded(bytes);
    }

    /** A UDP datagram from a client was sent on to its backend (calling thread's counters). */
    public void datagramToBackend(long bytes) {
        byteCounters().datagramToBackend(bytes);
    }

    /** A UDP reply from a backend was sent back to its client (calling thread's counters). */
    public void datagramToClient(long bytes) {
        byteCounters().datagramToClient(bytes);
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
        long sum = 0;
        for (ByteCounters c : byteCounters) {
            sum += (long) ByteCounters.IN.getOpaque(c);
        }
        return sum;
    }

    /** Backend bytes delivered to clients. */
    public long outBytes() {
        long sum = 0;
        for (ByteCounters c : byteCounters) {
            sum += (long) ByteCounters.OUT.getOpaque(c);
        }
        return sum;
    }

    /** Bytes relayed through a pipe in the kernel (splice), both directions; also in in/out bytes. */
    public long splicedBytes() {
        long sum = 0;
        for (ByteCounters c : byteCounters) {
            sum += (long) ByteCounters.SPLICED.getOpaque(c);
        }
        return sum;
    }

    /**
     * Bytes held by the proxy right now for this port: read from one side, not yet written to the
     * other (in user space or in a splice pipe).
     */
    public long bufferedBytes() {
        long sum = 0;
        for (ByteCounters c : byteCounters) {
            sum += (long) ByteCounters.BUFFERED.getOpaque(c);
        }
        return sum;
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
        out.add(new Sample(SPLICED_BYTES_TOTAL, labels, splicedBytes()));
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

    /**
     * Byte counters written by one thread only (the one {@link #byteCounters()} gave them to): each
     * update is a plain add and an opaque store, so a reader on another thread sees whole values,
     * possibly a moment late. Sums of all threads' counters are the port's figures.
     */
    public static final class ByteCounters {
        static final VarHandle IN;
        static final VarHandle OUT;
        static final VarHandle BUFFERED;
        static final VarHandle SPLICED;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                IN = l.findVarHandle(ByteCounters.class, "in", long.class);
                OUT = l.findVarHandle(ByteCounters.class, "out", long.class);
                BUFFERED = l.findVarHandle(ByteCounters.class, "buffered", long.class);
                SPLICED = l.findVarHandle(ByteCounters.class, "spliced", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private long in;
        private long out;
        private long buffered;
        private long spliced;

        private ByteCounters() {}

        /** Bytes read from either side, not yet written to the other. */
        public void read(long bytes) {
            BUFFERED.setOpaque(this, buffered + bytes);
        }

        /** Client bytes the backend accepted. */
        public void wroteToBackend(long bytes) {
            BUFFERED.setOpaque(this, buffered - bytes);
            IN.setOpaque(this, in + bytes);
        }

        /** Backend bytes the client accepted. */
        public void wroteToClient(long bytes) {
            BUFFERED.setOpaque(this, buffered - bytes);
            OUT.setOpaque(this, out + bytes);
        }

        /** Client bytes the backend accepted from a pipe (spliced, never in user space). */
        public void splicedToBackend(long bytes) {
            wroteToBackend(bytes);
            SPLICED.setOpaque(this, spliced + bytes);
        }

        /** Backend bytes the client accepted from a pipe. */
        public void splicedToClient(long bytes) {
            wroteToClient(bytes);
            SPLICED.setOpaque(this, spliced + bytes);
        }

        /** Bytes read but not written on (a peer closed). */
        public void discarded(long bytes) {
            BUFFERED.setOpaque(this, buffered - bytes);
        }

        /** A client datagram sent on to its backend. */
        public void datagramToBackend(long bytes) {
            IN.setOpaque(this, in + bytes);
        }

        /** A backend datagram sent back to its client. */
        public void datagramToClient(long bytes) {
            OUT.setOpaque(this, out + bytes);
        }
    }
}
