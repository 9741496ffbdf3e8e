package io.shoal.dns.wire;

/** Numbers of the DNS wire format (RFC 1035, RFC 6891) that Shoal reads or writes. */
public final class DnsWire {
    private DnsWire() {}

    public static final int HEADER_LENGTH = 12;
    /** Offset of the question name in every message: the target of compression pointers. */
    public static final int QUESTION_OFFSET = 12;

    public static final int MAX_NAME_LENGTH = 255;
    public static final int MAX_LABEL_LENGTH = 63;

    /** Largest UDP answer without EDNS (RFC 1035 §4.2.1). */
    public static final int CLASSIC_UDP_LIMIT = 512;
    /** Largest TCP message: its length prefix is 16 bits (RFC 1035 §4.2.2). */
    public static final int TCP_LIMIT = 65535;
    /** Size of an OPT record with no options: root name, type, class, ttl, rdlength. */
    public static final int OPT_RECORD_LENGTH = 11;

    // flags (second 16-bit word of the header)
    public static final int FLAG_QR = 0x8000;
    public static final int FLAG_AA = 0x0400;
    public static final int FLAG_TC = 0x0200;
    public static final int FLAG_RD = 0x0100;
    public static final int FLAG_RA = 0x0080;
    public static final int FLAG_CD = 0x0010;

    public static final int OPCODE_QUERY = 0;

    // rcodes
    public static final int NOERROR = 0;
    public static final int FORMERR = 1;
    public static final int SERVFAIL = 2;
    public static final int NXDOMAIN = 3;
    public static final int NOTIMP = 4;
    public static final int REFUSED = 5;
    /** Extended rcode 16 (RFC 6891): upper 8 bits go in the OPT record, lower 4 in the header. */
    public static final int BADVERS = 16;

    // types
    public static final int TYPE_A = 1;
    public static final int TYPE_PTR = 12;
    public static final int TYPE_AAAA = 28;
    public static final int TYPE_SRV = 33;
    public static final int TYPE_OPT = 41;
    public static final int TYPE_IXFR = 251;
    public static final int TYPE_AXFR = 252;
    public static final int TYPE_MAILB = 253;
    public static final int TYPE_MAILA = 254;
    public static final int TYPE_ANY = 255;

    public static final int CLASS_IN = 1;
    public static final int CLASS_ANY = 255;

    /** Name of an rcode as dig prints it, for metrics labels. */
    public static String rcodeName(int rcode) {
        return switch (rcode) {
            case NOERROR -> "NOERROR";
            case FORMERR -> "FORMERR";
            case SERVFAIL -> "SERVFAIL";
            case NXDOMAIN -> "NXDOMAIN";
            case NOTIMP -> "NOTIMP";
            case REFUSED -> "REFUSED";
            case BADVERS -> "BADVERS";
            default -> "OTHER";
        };
    }
}
