package io.shoal.dns.resolve;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;
import io.shoal.dns.metrics.DnsMetrics;
import io.shoal.dns.wire.DnsWire;
import io.shoal.dns.wire.ParsedQuery;
import io.shoal.dns.wire.QueryParser;
import io.shoal.dns.wire.ResponseBuilder;
import io.shoal.dns.wire.UnreadableQueryException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The whole local path of a query, free of I/O: parse the packet, resolve the question against the
 * current table for the asking container's scope, write the answer (shuffled, within the size
 * limit) — or say that the query must be dropped or forwarded upstream.
 *
 * <p>Thread-safe; scratch space (the parsed query, the response builder, the shuffle array) is per
 * thread, so answering from the table allocates nothing.
 */
public final class DnsResponder {
    /** What happened to a query. */
    public enum Outcome {
        /** A response was written to the output buffer. */
        REPLIED,
        /** Nothing was written: the query is not for Shoal and goes upstream. */
        FORWARD,
        /** Nothing was written and nothing must be sent (no header, or a response). */
        DROPPED
    }

    private static final class Scratch {
        final ParsedQuery query = new ParsedQuery();
        final ResponseBuilder builder = new ResponseBuilder();
        int[] order = new int[64];

        int[] shuffled(int n) {
            if (order.length < n) {
                order = new int[Math.max(n, order.length * 2)];
            }
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            return order;
        }
    }

    private static final FastThreadLocal<Scratch> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected Scratch initialValue() {
            return new Scratch();
        }
    };

    private final Resolver resolver;
    private final DnsMetrics metrics;
    private final int udpCap;

    /**
     * @param udpCap the largest UDP answer Shoal sends even when a client advertises more (and the
     *     size it advertises in its own OPT record); 1232 avoids IP fragmentation on any path
     */
    public DnsResponder(Resolver resolver, DnsMetrics metrics, int udpCap) {
        if (udpCap < DnsWire.CLASSIC_UDP_LIMIT || udpCap > DnsWire.TCP_LIMIT) {
            throw new IllegalArgumentException("udpCap must be within 512..65535, got " + udpCap);
        }
        this.resolver = resolver;
        this.metrics = metrics;
        this.udpCap = udpCap;
    }

    public Resolver resolver() {
        return resolver;
    }

    public DnsMetrics metrics() {
        return metrics;
    }

    public int udpCap() {
        return udpCap;
    }

    /**
     * Handles one query.
     *
     * @param query the packet, from its reader index to its writer index (indexes are not moved)
     * @param scope the networks of the container that asked
     * @param tcp whether it came over TCP (limit 65535) or UDP (512 or the EDNS size)
     * @param out where the response goes, from its writer index
     */
    public Outcome respond(ByteBuf query, DnsScope scope, boolean tcp, ByteBuf out) {
        ParsedQuery q;
        try {
            q = QueryParser.parse(query, SCRATCH.get().query);
        } catch (UnreadableQueryException e) {
            metrics.dropped();
            return Outcome.DROPPED;
        }
        if (q.isResponse()) {
            metrics.dropped();
            return Outcome.DROPPED;
        }
        if (q.hasQuestion()) {
            metrics.query(q.qtype());
        }
        int limit = tcp ? DnsWire.TCP_LIMIT : q.udpLimit(udpCap);
        if (q.problemRcode() != DnsWire.NOERROR) {
            return error(query, q, out, limit, q.problemRcode());
        }
        Resolution r = Resolver.resolve(resolver.index(), scope, q);
        return switch (r.kind()) {
            case FORWARD -> Outcome.FORWARD;
            case REFUSED -> error(query, q, out, limit, DnsWire.REFUSED);
            case NOTIMP -> error(query, q, out, limit, DnsWire.NOTIMP);
            case FORMERR -> error(query, q, out, limit, DnsWire.FORMERR);
            case NODATA -> {
                ResponseBuilder b = SCRATCH.get().builder.start(query, q, out, limit, DnsWire.NOERROR, true, udpCap);
                yield finish(b, DnsWire.NOERROR);
            }
            case ANSWER -> answer(query, q, r, out, limit);
        };
    }

    /**
     * Writes an error response with {@code rcode} to a query that was parsed (used when an upstream
     * fails: SERVFAIL). Returns false when the query cannot be answered at all.
     */
    public boolean error(ByteBuf query, boolean tcp, int rcode, ByteBuf out) {
        ParsedQuery q;
        try {
            q = QueryParser.parse(query, SCRATCH.get().query);
        } catch (UnreadableQueryException e) {
            return false;
        }
        if (q.isResponse()) {
            return false;
        }
        error(query, q, out, tcp ? DnsWire.TCP_LIMIT : q.udpLimit(udpCap), rcode);
        return true;
    }

    private Outcome error(ByteBuf query, ParsedQuery q, ByteBuf out, int limit, int rcode) {
        ResponseBuilder b = SCRATCH.get().builder.start(query, q, out, limit, rcode, false, udpCap);
        return finish(b, rcode);
    }

    private Outcome answer(ByteBuf query, ParsedQuery q, Resolution r, ByteBuf out, int limit) {
        Scratch scratch = SCRATCH.get();
        ResponseBuilder b = scratch.builder.start(query, q, out, limit, DnsWire.NOERROR, true, udpCap);
        if (r.ptr != null) {
            b.addPtr(r.ptr.targetWire, r.ptr.ttl);
            return finish(b, DnsWire.NOERROR);
        }
        NameEntry e = r.entry;
        int qtype = q.qtype();
        if (qtype == DnsWire.TYPE_SRV || (qtype == DnsWire.TYPE_ANY && e.isSrvName())) {
            int n = e.srv.length;
            int[] order = scratch.shuffled(n);
            int written = 0;
            while (written < n) {
                SrvTarget t = e.srv[order[written]];
                if (!b.addSrv(0, 1, t.port(), t.targetWire(), e.ttl)) {
                    break;
                }
                written++;
            }
            for (int i = 0; i < written; i++) {
                SrvTarget t = e.srv[order[i]];
                b.addAdditionalAddress(t.targetWire(), t.address(), e.ttl);
            }
            return finish(b, DnsWire.NOERROR);
        }
        if (qtype == DnsWire.TYPE_A || qtype == DnsWire.TYPE_ANY) {
            addAll(b, e.v4, e.ttl, scratch);
        }
        if (qtype == DnsWire.TYPE_AAAA || qtype == DnsWire.TYPE_ANY) {
            addAll(b, e.v6, e.ttl, scratch);
        }
        return finish(b, DnsWire.NOERROR);
    }

    private static void addAll(ResponseBuilder b, byte[][] addresses, int ttl, Scratch scratch) {
        int n = addresses.length;
        int[] order = scratch.shuffled(n);
        for (int i = 0; i < n; i++) {
            if (!b.addAddress(addresses[order[i]], ttl)) {
                return;
            }
        }
    }

    private Outcome finish(ResponseBuilder b, int rcode) {
        b.finish();
        if (b.truncated()) {
            metrics.truncated();
        }
        metrics.response(rcode);
        return Outcome.REPLIED;
    }
}
