package io.shoal.dns.wire;

import java.nio.charset.StandardCharsets;

/** Conversions of names between text and wire form. */
public final class DnsNames {
    private DnsNames() {}

    /**
     * The uncompressed wire form of a dotted name ({@code web.front} → {@code 3web5front0}); a
     * trailing dot is allowed.
     *
     * @throws IllegalArgumentException when a label is empty or longer than 63 bytes, or the name
     *     longer than 255 bytes
     */
    public static byte[] toWire(String name) {
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (n.isEmpty()) {
            return new byte[] {0};
        }
        byte[] text = n.getBytes(StandardCharsets.US_ASCII);
        byte[] wire = new byte[text.length + 2];
        int labelStart = 0;
        for (int i = 0; i <= text.length; i++) {
            if (i == text.length || text[i] == '.') {
                int len = i - labelStart;
                if (len == 0 || len > DnsWire.MAX_LABEL_LENGTH) {
                    throw new IllegalArgumentException(
                            "name '" + name + "': label " + (len == 0 ? "is empty" : "is longer than 63 bytes"));
                }
                wire[labelStart] = (byte) len;
                System.arraycopy(text, labelStart, wire, labelStart + 1, len);
                labelStart = i + 1;
            }
        }
        if (wire.length > DnsWire.MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("name '" + name + "' is longer than 255 bytes on the wire");
        }
        return wire;
    }

    /**
     * The hash of a name's text bytes that {@link QueryParser} computes while reading a question
     * ({@code h = 31 * h + b}, the same as {@link String#hashCode()} of a Latin-1 string), so index
     * keys and questions meet without making a string.
     */
    public static int hash(byte[] text) {
        int h = 0;
        for (byte b : text) {
            h = 31 * h + (b & 0xFF);
        }
        return h;
    }
}
