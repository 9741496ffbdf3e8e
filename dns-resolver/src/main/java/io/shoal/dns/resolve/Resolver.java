package io.shoal.dns.resolve;

import io.shoal.dns.wire.DnsWire;
import io.shoal.model.table.ServiceTable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Decides how a question is answered from the current {@link ServiceTable}. The table and its
 * {@link NameIndex} are swapped together in one atomic reference: a query reads the reference once
 * and so sees either the old table or the new one, never a mix, and never takes a lock.
 */
public final class Resolver {
    private static final String IPV4_REVERSE = ".in-addr.arpa";
    private static final String IPV6_REVERSE = ".ip6.arpa";

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
     * Resolves one question against one index.
     *
     * @param name the question name in lower case without the trailing dot
     * @param plain whether the name can be one of Shoal's (see {@code ParsedQuery.isPlainName})
     */
    public static Resolution resolve(
            NameIndex index, DnsScope scope, String name, boolean plain, int qtype, int qclass) {
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
        if (!plain) {
            return Resolution.FORWARD;
        }
        if (name.endsWith(IPV4_REVERSE) || name.endsWith(IPV6_REVERSE)) {
            PtrEntry ptr = index.reverse(name);
            if (ptr == null || !scope.contains(ptr.networkId())) {
                return Resolution.FORWARD;
            }
            return qtype == DnsWire.TYPE_PTR || qtype == DnsWire.TYPE_ANY ? Resolution.answer(ptr) : Resolution.NODATA;
        }
        NameEntry entry = index.lookup(name, scope);
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
