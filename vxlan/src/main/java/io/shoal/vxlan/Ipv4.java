package io.shoal.vxlan;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * Dotted-quad IPv4 parsing without name resolution ({@code InetAddress.getByName} would do a DNS
 * lookup on anything that is not an address), and int arithmetic on addresses.
 */
final class Ipv4 {
    private Ipv4() {}

    /** Parses {@code a.b.c.d}; the error names {@code field}. */
    static Inet4Address parse(String field, String text) {
        Objects.requireNonNull(text, field);
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException(field + " must be an IPv4 address a.b.c.d, was \"" + text + "\"");
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException(field + " must be an IPv4 address a.b.c.d, was \"" + text + "\"");
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                throw new IllegalArgumentException(
                        field + " must be an IPv4 address with octets 0..255, was \"" + text + "\"");
            }
            bytes[i] = (byte) v;
        }
        return of(bytes);
    }

    /** The address of 4 bytes. */
    static Inet4Address of(byte[] bytes) {
        try {
            return (Inet4Address) InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("an IPv4 address has 4 bytes, got " + bytes.length, e);
        }
    }

    /** The address as an unsigned 32-bit value in an int. */
    static int toInt(Inet4Address address) {
        byte[] b = address.getAddress();
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    /** The address of a 32-bit value. */
    static Inet4Address fromInt(int value) {
        return of(new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
    }

    /** The address as 8 lower-case hex digits, e.g. {@code 64400102} for 100.64.1.2. */
    static String hex(Inet4Address address) {
        return String.format("%08x", toInt(address));
    }
}
