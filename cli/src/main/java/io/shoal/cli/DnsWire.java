package io.shoal.cli;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The little of the DNS wire format {@code shoal dns query} needs: one question out, answers in. */
final class DnsWire {
    private DnsWire() {}

    /** Query types the command asks for. */
    enum Type {
        A(1),
        AAAA(28),
        SRV(33),
        PTR(12);

        final int code;

        Type(int code) {
            this.code = code;
        }

        static Type parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new Shoal.UsageError("--type: '" + s + "' is not one of A, AAAA, SRV, PTR");
            }
        }
    }

    static final String[] RCODES = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};

    /** An answer: its owner name, type, TTL and data in presentation form. */
    record Answer(String name, String type, long ttl, String data) {}

    /** A response: rcode name and the answer section (records of other types shown by number). */
    record Reply(String rcode, boolean truncated, List<Answer> answers) {}

    static byte[] query(int id, String name, Type type) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) (id >> 8), (byte) id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        for (String label : n.split("\\.")) {
            byte[] b = label.getBytes(StandardCharsets.US_ASCII);
            if (b.length == 0 || b.length > 63) {
                throw new Shoal.UsageError("NAME: '" + name + "' is not a valid DNS name");
            }
            out.write(b.length);
            out.writeBytes(b);
        }
        out.write(0);
        out.writeBytes(new byte[] {(byte) (type.code >> 8), (byte) type.code, 0, 1});
        return out.toByteArray();
    }

    static Reply parse(byte[] msg, int length, int id) {
        ByteBuffer b = ByteBuffer.wrap(msg, 0, length);
        if (length < 12 || (b.getShort(0) & 0xffff) != id) {
            throw new IllegalArgumentException("the DNS answer is malformed or not for this query");
        }
        int flags = b.getShort(2) & 0xffff;
        int rcode = flags & 0xf;
        int qd = b.getShort(4) & 0xffff;
        int an = b.getShort(6) & 0xffff;
        int[] pos = {12};
        for (int i = 0; i < qd; i++) {
            name(msg, pos);
            pos[0] += 4;
        }
        List<Answer> answers = new ArrayList<>();
        for (int i = 0; i < an; i++) {
            String owner = name(msg, pos);
            int type = b.getShort(pos[0]) & 0xffff;
            long ttl = b.getInt(pos[0] + 4) & 0xffffffffL;
            int rdlen = b.getShort(pos[0] + 8) & 0xffff;
            int rd = pos[0] + 10;
            String data;
            String typeName;
            try {
                switch (type) {
                    case 1 -> {
                        typeName = "A";
                        data = InetAddress.getByAddress(java.util.Arrays.copyOfRange(msg, rd, rd + 4))
                                .getHostAddress();
                    }
                    case 28 -> {
                        typeName = "AAAA";
                        data = InetAddress.getByAddress(java.util.Arrays.copyOfRange(msg, rd, rd + 16))
                                .getHostAddress();
                    }
                    case 33 -> {
                        typeName = "SRV";
                        int[] at = {rd + 6};
                        data = (b.getShort(rd) & 0xffff) + " " + (b.getShort(rd + 2) & 0xffff) + " "
                                + (b.getShort(rd + 4) & 0xffff) + " " + name(msg, at);
                    }
                    case 12, 5 -> {
                        typeName = type == 12 ? "PTR" : "CNAME";
                        int[] at = {rd};
                        data = name(msg, at);
                    }
                    default -> {
                        typeName = "TYPE" + type;
                        data = rdlen + " bytes";
                    }
                }
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("the DNS answer has a bad address: " + e.getMessage(), e);
            }
            answers.add(new Answer(owner, typeName, ttl, data));
            pos[0] = rd + rdlen;
        }
        String rc = rcode < RCODES.length ? RCODES[rcode] : "RCODE" + rcode;
        return new Reply(rc, (flags & 0x0200) != 0, answers);
    }

    /** Reads a (possibly compressed) name at {@code pos[0]} and moves past it. */
    private static String name(byte[] msg, int[] pos) {
        StringBuilder sb = new StringBuilder();
        int p = pos[0];
        boolean jumped = false;
        for (int hops = 0; hops < 64; hops++) {
            int len = msg[p] & 0xff;
            if (len == 0) {
                if (!jumped) {
                    pos[0] = p + 1;
                }
                return sb.length() == 0 ? "." : sb.toString();
            }
            if ((len & 0xc0) == 0xc0) {
                int target = ((len & 0x3f) << 8) | (msg[p + 1] & 0xff);
                if (!jumped) {
                    pos[0] = p + 2;
                }
                jumped = true;
                p = target;
                continue;
            }
            sb.append(new String(msg, p + 1, len, StandardCharsets.US_ASCII)).append('.');
            p += 1 + len;
        }
        throw new IllegalArgumentException("the DNS answer has a name with a pointer loop");
    }
}
