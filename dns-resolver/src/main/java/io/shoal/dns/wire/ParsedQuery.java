package io.shoal.dns.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What {@link QueryParser} read from a query: the header, the one question, the EDNS options and,
 * when the query cannot be answered as asked, the rcode it earns ({@link #problemRcode()}).
 *
 * <p>Offsets are relative to the first byte of the DNS message, as compression pointers are.
 *
 * <p>Mutable only by the parser: {@link QueryParser#parse(io.netty.buffer.ByteBuf, ParsedQuery)}
 * overwrites every field, so one instance per thread serves query after query without allocating.
 * Whoever keeps a query beyond the next parse on its thread takes a fresh one from {@link
 * QueryParser#parse(io.netty.buffer.ByteBuf)}. Not thread-safe.
 */
public final class ParsedQuery {
    private int id;
    private int flags;
    private int problemRcode;
    private String problem = "";
    private int questionEnd;
    /** The question name in lower case, labels joined with dots, in {@code name[0..nameLength)}. */
    private final byte[] name = new byte[DnsWire.MAX_NAME_LENGTH];

    private int nameLength;
    private int nameHash;
    private boolean plainName;
    private int qtype;
    private int qclass;
    private boolean edns;
    private int udpPayloadSize;
    private int ednsVersion;
    private boolean dnssecOk;

    /**
     * An empty query for {@link QueryParser#parse(io.netty.buffer.ByteBuf, ParsedQuery)} to fill;
     * one instance may be refilled for query after query on one thread, so the hot path allocates
     * nothing.
     */
    public ParsedQuery() {}

    /** Header fields, and no question yet. */
    ParsedQuery header(int id, int flags) {
        this.id = id;
        this.flags = flags;
        this.problemRcode = DnsWire.NOERROR;
        this.problem = "";
        this.questionEnd = 0;
        this.nameLength = 0;
        this.nameHash = 0;
        this.plainName = false;
        this.qtype = 0;
        this.qclass = 0;
        this.edns = false;
        this.udpPayloadSize = 0;
        this.ednsVersion = 0;
        this.dnssecOk = false;
        return this;
    }

    /** Room for the parser to write the name into. */
    byte[] nameBuffer() {
        return name;
    }

    ParsedQuery question(int questionEnd, int nameLength, int nameHash, boolean plain, int qtype, int qclass) {
        this.questionEnd = questionEnd;
        this.nameLength = nameLength;
        this.nameHash = nameHash;
        this.plainName = plain;
        this.qtype = qtype;
        this.qclass = qclass;
        return this;
    }

    ParsedQuery edns(int udpPayloadSize, int ednsVersion, boolean dnssecOk) {
        this.edns = true;
        this.udpPayloadSize = udpPayloadSize;
        this.ednsVersion = ednsVersion;
        this.dnssecOk = dnssecOk;
        return this;
    }

    ParsedQuery problem(int rcode, String why) {
        this.problemRcode = rcode;
        this.problem = why;
        return this;
    }

    /** Drops what was read of EDNS: an answer to a broken query carries no OPT record. */
    ParsedQuery withoutEdns() {
        this.edns = false;
        this.udpPayloadSize = 0;
        this.ednsVersion = 0;
        this.dnssecOk = false;
        return this;
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
     * joined with dots. Only meaningful when {@link #isPlainName()}. Makes a new string: the hot
     * path compares bytes instead ({@link #nameHash()}, {@link #nameEquals(byte[])}).
     */
    public String name() {
        return new String(name, 0, nameLength, StandardCharsets.ISO_8859_1);
    }

    /** Length in bytes of {@link #name()}. */
    public int nameLength() {
        return nameLength;
    }

    /** {@link DnsNames#hash} of the name's bytes (equal to {@code name().hashCode()}). */
    public int nameHash() {
        return nameHash;
    }

    /** True when {@code key} holds exactly the bytes of {@link #name()}. */
    public boolean nameEquals(byte[] key) {
        return Arrays.equals(name, 0, nameLength, key, 0, key.length);
    }

    /** True when {@link #name()} ends with the bytes of {@code suffix}. */
    public boolean nameEndsWith(byte[] suffix) {
        int from = nameLength - suffix.length;
        return from >= 0 && Arrays.equals(name, from, nameLength, suffix, 0, suffix.length);
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
        return "ParsedQuery{id=" + id + ", name=" + name() + ", qtype=" + qtype + ", problem=" + problem + "}";
    }
}
