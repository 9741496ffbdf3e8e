package io.shoal.dns.wire;

import io.netty.buffer.ByteBuf;

/**
 * Reads a DNS query from the wire without copying it. Anything wrong after the header becomes a
 * {@link ParsedQuery#problemRcode() problem rcode} (FORMERR, NOTIMP, BADVERS), never an exception
 * leaking from the parser: a server turns protocol faults into protocol answers.
 */
public final class QueryParser {
    private QueryParser() {}

    /**
     * Parses the query in {@code msg} from its reader index to its writer index into a new {@link
     * ParsedQuery}; the buffer's indexes are not moved.
     *
     * @throws UnreadableQueryException when the packet is shorter than a header (nothing to answer)
     */
    public static ParsedQuery parse(ByteBuf msg) throws UnreadableQueryException {
        return parse(msg, new ParsedQuery());
    }

    /**
     * Parses the query in {@code msg} into {@code q}, overwriting all it held (the hot path reuses
     * one per thread and allocates nothing), and returns {@code q}.
     *
     * @throws UnreadableQueryException when the packet is shorter than a header (nothing to answer)
     */
    public static ParsedQuery parse(ByteBuf msg, ParsedQuery q) throws UnreadableQueryException {
        int base = msg.readerIndex();
        int length = msg.readableBytes();
        if (length < DnsWire.HEADER_LENGTH) {
            throw new UnreadableQueryException("packet of " + length + " bytes is shorter than a DNS header");
        }
        int id = msg.getUnsignedShort(base);
        int flags = msg.getUnsignedShort(base + 2);
        int qdcount = msg.getUnsignedShort(base + 4);
        int ancount = msg.getUnsignedShort(base + 6);
        int nscount = msg.getUnsignedShort(base + 8);
        int arcount = msg.getUnsignedShort(base + 10);
        int opcode = (flags >>> 11) & 0xF;
        q.header(id, flags);

        if ((flags & DnsWire.FLAG_QR) != 0) {
            return q.problem(DnsWire.FORMERR, "QR bit set: the packet is a response");
        }
        if (qdcount != 1) {
            int rcode = opcode != DnsWire.OPCODE_QUERY ? DnsWire.NOTIMP : DnsWire.FORMERR;
            return q.problem(rcode, "question count " + qdcount + ", expected exactly 1");
        }
        byte[] name = q.nameBuffer();
        long read = readQuestionName(msg, base, length, name);
        int pos = (int) read;
        if (pos < 0) {
            return q.problem(DnsWire.FORMERR, nameProblem(pos));
        }
        int hash = (int) (read >>> 32);
        boolean plain = (pos & PLAIN_BIT) != 0;
        pos &= ~PLAIN_BIT;
        if (pos + 4 > length) {
            return q.problem(DnsWire.FORMERR, "question ends before its type and class");
        }
        int qtype = msg.getUnsignedShort(base + pos);
        int qclass = msg.getUnsignedShort(base + pos + 2);
        int questionEnd = pos + 4;
        q.question(questionEnd, nameLength(pos), hash, plain, qtype, qclass);

        if (opcode != DnsWire.OPCODE_QUERY) {
            return q.problem(DnsWire.NOTIMP, "opcode " + opcode + " is not supported");
        }
        // Skip answer and authority records (a query should have none, but they are legal).
        pos = questionEnd;
        for (int i = 0; i < ancount + nscount; i++) {
            pos = skipRecord(msg, base, length, pos);
            if (pos < 0) {
                return q.problem(DnsWire.FORMERR, "record " + i + " after the question is cut short");
            }
        }
        boolean edns = false;
        for (int i = 0; i < arcount; i++) {
            int start = pos;
            pos = skipRecord(msg, base, length, pos);
            if (pos < 0) {
                // What was read of an OPT record before stays: the answer may still carry one.
                return q.problem(DnsWire.FORMERR, "additional record " + i + " is cut short");
            }
            // An OPT record has the root name, a single zero byte, so its type sits at start + 1.
            if (msg.getUnsignedByte(base + start) == 0 && msg.getUnsignedShort(base + start + 1) == DnsWire.TYPE_OPT) {
                if (edns) {
                    return q.withoutEdns().problem(DnsWire.FORMERR, "more than one OPT record");
                }
                edns = true;
                q.edns(
                        msg.getUnsignedShort(base + start + 3),
                        msg.getUnsignedByte(base + start + 6),
                        (msg.getUnsignedByte(base + start + 7) & 0x80) != 0);
            } else if (msg.getUnsignedShort(base + recordTypeOffset(msg, base, start)) == DnsWire.TYPE_OPT) {
                return q.withoutEdns().problem(DnsWire.FORMERR, "OPT record with a non-root owner name");
            }
        }
        if (edns && q.ednsVersion() != 0) {
            return q.problem(DnsWire.BADVERS, "EDNS version " + q.ednsVersion() + " is not supported");
        }
        return q;
    }

    /** Set in the returned offset when the name is plain (see {@link ParsedQuery#isPlainName()}). */
    private static final int PLAIN_BIT = 1 << 30;

    private static final int CUT_SHORT = -1;
    private static final int BAD_LABEL_TYPE = -2;
    private static final int TOO_LONG = -3;
    private static final int POINTER_IN_QUESTION = -4;

    private static String nameProblem(int code) {
        return switch (code) {
            case CUT_SHORT -> "question name is cut short";
            case BAD_LABEL_TYPE -> "question name has a reserved label type";
            case TOO_LONG -> "question name is longer than 255 bytes";
            case POINTER_IN_QUESTION -> "question name uses a compression pointer, which can only point backwards";
            default -> "question name is malformed";
        };
    }

    /** Length in bytes of the dotted text of a name that ends at wire offset {@code end}. */
    private static int nameLength(int end) {
        // wire length minus the root byte, minus the first length byte: the dots replace the others
        return Math.max(0, end - DnsWire.QUESTION_OFFSET - 2);
    }

    /**
     * Reads the question name into {@code out} (lower case, dot-separated) and returns the offset
     * after it, with {@link #PLAIN_BIT} set for plain names, in the low 32 bits and {@link
     * DnsNames#hash} of the text in the high 32 bits; or a negative problem code.
     */
    private static long readQuestionName(ByteBuf msg, int base, int length, byte[] out) {
        int pos = DnsWire.QUESTION_OFFSET;
        int wireLength = 0;
        int n = 0;
        int hash = 0;
        boolean plain = true;
        while (true) {
            if (pos >= length) {
                return CUT_SHORT;
            }
            int len = msg.getUnsignedByte(base + pos);
            if (len == 0) {
                pos++;
                break;
            }
            if ((len & 0xC0) == 0xC0) {
                // Nothing but the header precedes the question, so no pointer here can be valid.
                return POINTER_IN_QUESTION;
            }
            if ((len & 0xC0) != 0) {
                return BAD_LABEL_TYPE;
            }
            wireLength += len + 1;
            if (wireLength + 1 > DnsWire.MAX_NAME_LENGTH) {
                return TOO_LONG;
            }
            if (pos + 1 + len > length) {
                return CUT_SHORT;
            }
            if (n > 0) {
                out[n++] = '.';
                hash = 31 * hash + '.';
            }
            for (int i = 1; i <= len; i++) {
                int c = msg.getUnsignedByte(base + pos + i);
                if (c >= 'A' && c <= 'Z') {
                    c += 'a' - 'A';
                } else if (c <= 0x20 || c >= 0x7F || c == '.') {
                    plain = false;
                }
                out[n++] = (byte) c;
                hash = 31 * hash + c;
            }
            pos += len + 1;
        }
        return ((long) hash << 32) | (plain ? pos | PLAIN_BIT : pos);
    }

    /** Returns the offset after the record at {@code pos}, or -1 when it is cut short. */
    private static int skipRecord(ByteBuf msg, int base, int length, int pos) {
        pos = skipName(msg, base, length, pos);
        if (pos < 0 || pos + 10 > length) {
            return -1;
        }
        int rdlength = msg.getUnsignedShort(base + pos + 8);
        pos += 10 + rdlength;
        return pos > length ? -1 : pos;
    }

    private static int recordTypeOffset(ByteBuf msg, int base, int start) {
        return skipName(msg, base, Integer.MAX_VALUE, start);
    }

    private static int skipName(ByteBuf msg, int base, int length, int pos) {
        for (int guard = 0; guard < 128; guard++) {
            if (pos >= length) {
                return -1;
            }
            int len = msg.getUnsignedByte(base + pos);
            if (len == 0) {
                return pos + 1;
            }
            if ((len & 0xC0) == 0xC0) {
                return pos + 2 <= length ? pos + 2 : -1;
            }
            if ((len & 0xC0) != 0) {
                return -1;
            }
            pos += len + 1;
        }
        return -1;
    }
}
