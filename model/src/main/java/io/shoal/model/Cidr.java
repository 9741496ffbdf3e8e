package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 address with a prefix length, such as {@code 100.64.0.0/24} (a subnet) or {@code
 * 100.64.0.5/24} (an interface address in that subnet). Written in JSON as that string.
 *
 * <p>Overlay networks are IPv4 only for now; an IPv6 value is refused with a message saying so.
 *
 * @param address the address as a 32-bit unsigned value in an int
 * @param prefix the prefix length, 0..32
 */
public record Cidr(int address, int prefix) {
    public Cidr {
        Require.between("prefix", prefix, 0, 32);
    }

    /** Parses {@code a.b.c.d/n}; errors name the field and the value. */
    public static Cidr parse(String field, String value) {
        Require.notBlank(field, value);
        String text = value.trim();
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException(field + ": '" + value + "' is not in CIDR form a.b.c.d/n");
        }
        int prefix;
        try {
            prefix = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(field + ": '" + value + "' has no numeric prefix length");
        }
        int address = parseAddress(field, value, text.substring(0, slash));
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException(field + ": '" + value + "' prefix length must be 0..32");
        }
        return new Cidr(address, prefix);
    }

    @JsonCreator
    static Cidr fromJson(String value) {
        return parse("cidr", value);
    }

    /** Parses a dotted-quad IPv4 address without any name lookup. */
    public static int parseAddress(String field, String whole, String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException(field + ": '" + whole + "' is not an IPv4 address"
                    + (text.contains(":") ? " (IPv6 is not supported)" : ""));
        }
        int value = 0;
        for (String part : parts) {
            int octet;
            try {
                if (part.isEmpty() || part.length() > 3) {
                    throw new NumberFormatException(part);
                }
                octet = Integer.parseInt(part);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(field + ": '" + whole + "' is not an IPv4 address");
            }
            if (octet > 255) {
                throw new IllegalArgumentException(field + ": '" + whole + "' has an octet above 255");
            }
            value = (value << 8) | octet;
        }
        return value;
    }

    /** Formats a 32-bit address as a dotted quad. */
    public static String format(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "."
                + (address & 0xFF);
    }

    /** The netmask as an int: {@code /24} gives {@code 0xFFFFFF00}. */
    public int mask() {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    /** The subnet this address lies in: host bits cleared. */
    public Cidr network() {
        return new Cidr(address & mask(), prefix);
    }

    /** True when the host bits are all zero (a subnet, not an interface address). */
    public boolean isNetwork() {
        return (address & ~mask()) == 0;
    }

    /** Number of addresses in the subnet ({@code 2^(32-prefix)}). */
    public long size() {
        return 1L << (32 - prefix);
    }

    /** The first address of the subnet. */
    public int first() {
        return address & mask();
    }

    /** The last address of the subnet (the broadcast address). */
    public int last() {
        return first() | ~mask();
    }

    /** True when {@code ip} lies in this subnet. */
    public boolean contains(int ip) {
        return (ip & mask()) == first();
    }

    /** True when the two subnets share at least one address. */
    public boolean overlaps(Cidr other) {
        int common = Math.min(prefix, other.prefix);
        int m = common == 0 ? 0 : -1 << (32 - common);
        return (address & m) == (other.address & m);
    }

    /** The address alone, as an {@link InetAddress}. */
    public InetAddress inetAddress() {
        byte[] b = {(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address};
        try {
            return Inet4Address.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 bytes are always an IPv4 address", e);
        }
    }

    /** The same address with another prefix length. */
    public Cidr withPrefix(int newPrefix) {
        return new Cidr(address, newPrefix);
    }

    @JsonValue
    @Override
    public String toString() {
        return format(address) + "/" + prefix;
    }
}
