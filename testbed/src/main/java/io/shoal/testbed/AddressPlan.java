package io.shoal.testbed;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Underlay addresses of a testbed, from the project's test address plan (DESIGN.md).
 *
 * <p>Every member sits in {@code 198.18.0.0/16}: host {@code i} gets {@code 198.18.0.i}, client
 * {@code k} (1-based, in the order clients are added) gets {@code 198.18.1.k}. Nothing else is used.
 */
public final class AddressPlan {
    /** Prefix length of every underlay address: all members share one on-link subnet. */
    public static final int PREFIX_LENGTH = 16;

    /** The most hosts (or clients) a testbed can have: one per last octet 1..254. */
    public static final int MAX_MEMBERS = 254;

    private AddressPlan() {}

    /** The underlay address of host {@code index}, 1..254. */
    public static Inet4Address host(int index) {
        return address(0, index, "host index");
    }

    /** The underlay address of client number {@code index}, 1..254. */
    public static Inet4Address client(int index) {
        return address(1, index, "client index");
    }

    /** {@code address/16}: the member's address in CIDR notation, as tools and people write it. */
    public static String cidr(Inet4Address address) {
        return address.getHostAddress() + "/" + PREFIX_LENGTH;
    }

    private static Inet4Address address(int third, int index, String field) {
        if (index < 1 || index > MAX_MEMBERS) {
            throw new IllegalArgumentException(field + ": expected 1.." + MAX_MEMBERS + ", got " + index);
        }
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {(byte) 198, 18, (byte) third, (byte) index});
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are always a valid IPv4 address", e);
        }
    }
}
