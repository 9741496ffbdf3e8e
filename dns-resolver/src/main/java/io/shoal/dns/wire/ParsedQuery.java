package io.shoal.dns.wire;

/**
 * What {@link QueryParser} read from a query: the header, the one question, the EDNS options and,
 * when the query cannot be answered as asked, the rcode it earns ({@link #problemRcode()}).
 *
 * <p>Offsets are relative to the first byte of the DNS message, as compression pointers are.
 */
public final class ParsedQuery {
    private final int id;
    private final int flags;
    private final int problemRcode;
    private final String problem;
    private final int questionEnd;
    private final String name;
    private final boolean plainName;
    private final int qtype;
    private final int qclass;
    private final boolean edns;
    private final int udpPayloadSize;
    private final int ednsVersion;
    private final boolean dnssecOk;

    ParsedQuery(
            int id,
            int flags,
            int problemRcode,
            String problem,
            int questionEnd,
            String name,
            boolean plainName,
            int qtype,
            int qclass,
            boolean edns,
            int udpPayloadSize,
            int ednsVersion,
            boolean dnssecOk) {
        this.id = id;
        this.flags = flags;
        this.problemRcode = problemRcode;
        this.problem = problem;
        this.questionEnd = questionEnd;
        this.name = name;
        this.plainName = plainName;
        this.qtype = qtype;
        this.qclass = qclass;
        this.edns = edns;
        this.udpPayloadSize = udpPayloadSize;
        this.ednsVersion = ednsVersion;
        this.dnssecOk = dnssecOk;
    }

    /** The query's 16-bit id. */
    public int id() {
        return id;
    }

    /** The 16 flag bits of the header, including opcode and rcode fields. */
    public int flags() {
        return flags;
    }

    public int opcode() {
        return (flags >>> 11) & 0xF;
    }

    /** True when the QR bit says this is a response, which a server must never answer. */
    public boolean isResponse() {
        return (flags & DnsWire.FLAG_QR) != 0;
    }

    /** {@link DnsWire#NOERROR} when the query can be answered, else the error rcode it earns. */
    public int problemRcode() {
        return problemRcode;
    }

    /** Why the query earns {@link #problemRcode()}, for logs; empty when it is fine. */
    public String problem() {
        return problem;
    }

    /** True when the question was read and may be echoed in the answer. */
    public boolean hasQuestion() {
        return questionEnd > 0;
    }

    /** Offset just past the question's class field, or 0 when there is no usable question. */
    public int questionEnd() {
        return questionEnd;
    }

    /**
     * The question name in lower case without the trailing dot ({@code ""} for the root), labels
     * joined with dots. Only meaningful when {@link #isPlainName()}.
     */
    public String name() {
        return name;
    }

    /**
     * True when every label is printable ASCII without dots, so the name can match Shoal's names;
     * other names are still valid DNS and get forwarded.
     */
    public boolean isPlainName() {
        return plainName;
    }

    public int qtype() {
        return qtype;
    }

    public int qclass() {
        return qclass;
    }

    /** True when the query carried an OPT record (RFC 6891). */
    public boolean hasEdns() {
        return edns;
    }

    /** The UDP payload size the client advertised in its OPT record (0 without EDNS). */
    public int udpPayloadSize() {
        return udpPayloadSize;
    }

    public int ednsVersion() {
        return ednsVersion;
    }

    /** The DO bit of the OPT record: the client wants DNSSEC records. */
    public boolean dnssecOk() {
        return dnssecOk;
    }

    /**
     * The largest UDP answer this client accepts: 512 without EDNS, else its advertised size
     * (never below 512) capped at {@code serverCap}.
     */
    public int udpLimit(int serverCap) {
        if (!edns) {
            return DnsWire.CLASSIC_UDP_LIMIT;
        }
        return Math.min(Math.max(udpPayloadSize, DnsWire.CLASSIC_UDP_LIMIT), serverCap);
    }

    @Override
    public String toString() {
        return "ParsedQuery{id=" + id + ", name=" + name + ", qtype=" + qtype + ", problem=" + problem + "}";
    }
}
