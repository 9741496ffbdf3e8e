package io.shoal.dns.resolve;

import io.shoal.dns.wire.DnsWire;
import io.shoal.dns.wire.ParsedQuery;
import io.shoal.model.table.ServiceTable;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Decides how a question is answered from the current {@link ServiceTable}. The table and its
 * {@link NameIndex} are swapped together in one atomic reference: a query reads the reference once
 * and so sees either the old table or the new one, never a mix, and never takes a lock.
 */
public final class Resolver {
    private static final byte[] IPV4_REVERSE = ".in-addr.arpa".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] IPV6_REVERSE = ".ip6.arpa".getBytes(StandardCharsets.US_ASCII);

    private final DnsTtls ttls;
    private final AtomicReference<NameIndex> current;

    /** A resolver serving the empty table until {@link #update} is called. */
    public Resolver(DnsTtls ttls) {
        if (ttls == null) {
            throw new IllegalArgumentException("ttls must not be null");
        }
        this.ttls = ttls;
        this.current = new AtomicReference<>(new NameIndex(ServiceTable.empty(), ttls));
    }

    /**
     * Serves {@code table} from now on. Builds the index on the calling thread (never call it on an
     * event loop), then swaps it in.
     */
    public void update(ServiceTable table) {
        if (table == null) {
            throw new IllegalArgumentException("table must not be null");
        }
        current.set(new NameIndex(table, ttls));
    }

    /** The index queries are answered from right now. */
    public NameIndex index() {
        return current.get();
    }

    public DnsTtls ttls() {
        return ttls;
    }

    /**
     * Resolves the question of {@code q} (parsed without a problem) against one index. Allocates
     * nothing: names are matched on the bytes the parser read.
     */
    public static Resolution resolve(NameIndex index, DnsScope scope, ParsedQuery q) {
        int qtype = q.qtype();
        int qclass = q.qclass();
        if (qclass != DnsWire.CLASS_IN && qclass != DnsWire.CLASS_ANY) {
            return Resolution.REFUSED;
        }
        switch (qtype) {
            case DnsWire.TYPE_AXFR, DnsWire.TYPE_IXFR:
                return Resolution.REFUSED;
            case DnsWire.TYPE_MAILA, DnsWire.TYPE_MAILB:
                return Resolution.NOTIMP;
            case DnsWire.TYPE_OPT:
                return Resolution.FORMERR;
            default:
                break;
        }
        if (!q.isPlainName()) {
            return Resolution.FORWARD;
        }
        if (q.nameEndsWith(IPV4_REVERSE) || q.nameEndsWith(IPV6_REVERSE)) {
            PtrEntry ptr = index.reverse(q);
            if (ptr == null || !scope.contains(ptr.networkId)) {
                return Resolution.FORWARD;
            }
            return qtype == DnsWire.TYPE_PTR || qtype == DnsWire.TYPE_ANY ? ptr.answer : Resolution.NODATA;
        }
        NameEntry entry = index.lookup(q, scope);
        if (entry == null) {
            return Resolution.FORWARD;
        }
        boolean data =
                switch (qtype) {
                    case DnsWire.TYPE_A -> entry.v4.length > 0;
                    case DnsWire.TYPE_AAAA -> entry.v6.length > 0;
                    case DnsWire.TYPE_SRV -> entry.srv.length > 0;
                    case DnsWire.TYPE_ANY -> entry.v4.length + entry.v6.length + entry.srv.length > 0;
                    default -> false;
                };
        return data ? entry.answer : Resolution.NODATA;
    }
}
