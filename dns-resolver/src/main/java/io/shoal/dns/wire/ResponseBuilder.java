package io.shoal.dns.wire;

import io.netty.buffer.ByteBuf;

/**
 * Writes one response straight into an output buffer: header, the query's question echoed byte
 * for byte (so a client's 0x20 case randomisation survives), answers, additional records and the
 * OPT record. Every answer owned by the question name is written as a 2-byte compression pointer to
 * it.
 *
 * <p>The size limit is enforced at whole-record boundaries: an answer that does not fit is left out
 * and TC is set; an additional record that does not fit is left out silently (RFC 2181 §9), and
 * room for the OPT record is always kept. One builder may be reused for many responses on one
 * thread; it holds no state between {@link #start} and {@link #finish}.
 */
public final class ResponseBuilder {
    private static final int POINTER_TO_QUESTION = 0xC000 | DnsWire.QUESTION_OFFSET;

    private ByteBuf out;
    private int base;
    private int room;
    private int answers;
    private int additionals;
    private boolean truncated;
    private boolean edns;
    private int rcode;
    private int flags;
    private int advertisedPayload;

    /**
     * Starts a response to {@code q}, whose raw bytes begin at {@code query}'s reader index.
     *
     * @param out where to write, from its writer index
     * @param limit the largest message the client accepts (512, its EDNS size, or 65535 on TCP)
     * @param rcode the response code, possibly an extended one such as BADVERS
     * @param authoritative whether to set AA (Shoal is the authority for its own names)
     * @param advertisedPayload the UDP payload size Shoal advertises in its own OPT record
     */
    public ResponseBuilder start(
            ByteBuf query,
            ParsedQuery q,
            ByteBuf out,
            int limit,
            int rcode,
            boolean authoritative,
            int advertisedPayload) {
        this.out = out;
        this.base = out.writerIndex();
        this.answers = 0;
        this.additionals = 0;
        this.truncated = false;
        this.edns = q.hasEdns();
        this.rcode = rcode;
        this.advertisedPayload = advertisedPayload;
        this.flags = DnsWire.FLAG_QR
                | (q.flags() & (0xF << 11)) // opcode
                | (q.flags() & (DnsWire.FLAG_RD | DnsWire.FLAG_CD))
                | DnsWire.FLAG_RA
                | (authoritative ? DnsWire.FLAG_AA : 0);
        out.writeShort(q.id());
        out.writeShort(0); // flags, set by finish()
        out.writeShort(q.hasQuestion() ? 1 : 0);
        out.writeZero(6);
        if (q.hasQuestion()) {
            int qlen = q.questionEnd() - DnsWire.QUESTION_OFFSET;
            out.writeBytes(query, query.readerIndex() + DnsWire.QUESTION_OFFSET, qlen);
        }
        this.room = limit - (edns ? DnsWire.OPT_RECORD_LENGTH : 0);
        return this;
    }

    /** Adds an A or AAAA answer (by the address length) for the question name. */
    public boolean addAddress(byte[] address, int ttl) {
        int type = address.length == 4 ? DnsWire.TYPE_A : DnsWire.TYPE_AAAA;
        if (!answerFits(12 + address.length)) {
            return false;
        }
        writeFixed(POINTER_TO_QUESTION, type, ttl, address.length);
        out.writeBytes(address);
        answers++;
        return true;
    }

    /** Adds a PTR answer for the question name. */
    public boolean addPtr(byte[] targetWire, int ttl) {
        if (!answerFits(12 + targetWire.length)) {
            return false;
        }
        writeFixed(POINTER_TO_QUESTION, DnsWire.TYPE_PTR, ttl, targetWire.length);
        out.writeBytes(targetWire);
        answers++;
        return true;
    }

    /** Adds an SRV answer for the question name. */
    public boolean addSrv(int priority, int weight, int port, byte[] targetWire, int ttl) {
        int rdlength = 6 + targetWire.length;
        if (!answerFits(12 + rdlength)) {
            return false;
        }
        writeFixed(POINTER_TO_QUESTION, DnsWire.TYPE_SRV, ttl, rdlength);
        out.writeShort(priority);
        out.writeShort(weight);
        out.writeShort(port);
        out.writeBytes(targetWire);
        answers++;
        return true;
    }

    /**
     * Adds an address record for {@code ownerWire} to the additional section (glue for an SRV
     * target) when it fits; never sets TC.
     */
    public boolean addAdditionalAddress(byte[] ownerWire, byte[] address, int ttl) {
        int size = ownerWire.length + 10 + address.length;
        if (written() + size > room) {
            return false;
        }
        out.writeBytes(ownerWire);
        out.writeShort(address.length == 4 ? DnsWire.TYPE_A : DnsWire.TYPE_AAAA);
        out.writeShort(DnsWire.CLASS_IN);
        out.writeInt(ttl);
        out.writeShort(address.length);
        out.writeBytes(address);
        additionals++;
        return true;
    }

    /** True when an answer was left out for lack of room. */
    public boolean truncated() {
        return truncated;
    }

    public int answerCount() {
        return answers;
    }

    /** Writes the OPT record and the final header fields; returns the message length. */
    public int finish() {
        if (edns) {
            out.writeByte(0);
            out.writeShort(DnsWire.TYPE_OPT);
            out.writeShort(advertisedPayload);
            out.writeInt((rcode >>> 4) << 24); // extended rcode, version 0, DO clear
            out.writeShort(0);
            additionals++;
        }
        int f = flags | (rcode & 0xF) | (truncated ? DnsWire.FLAG_TC : 0);
        out.setShort(base + 2, f);
        out.setShort(base + 6, answers);
        out.setShort(base + 10, additionals);
        int length = written();
        out = null;
        return length;
    }

    private boolean answerFits(int size) {
        if (truncated || written() + size > room) {
            truncated = true;
            return false;
        }
        return true;
    }

    private void writeFixed(int pointer, int type, int ttl, int rdlength) {
        out.writeShort(pointer);
        out.writeShort(type);
        out.writeShort(DnsWire.CLASS_IN);
        out.writeInt(ttl);
        out.writeShort(rdlength);
    }

    private int written() {
        return out.writerIndex() - base;
    }
}
