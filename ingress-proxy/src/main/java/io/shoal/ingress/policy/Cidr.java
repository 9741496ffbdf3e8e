package io.shoal.ingress.policy;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 prefix such as {@code 198.18.0.0/16}. Parsing checks the text is a literal
 * address (no name lookups) and the length fits the family.
 */
public record Cidr(InetAddress network, int prefixLength) {

    public Cidr {
        if (network == null) {
            throw new IllegalArgumentException("cidr: network address is missing");
        }
        int max = network.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("cidr: prefix length " + prefixLength + " is outside 0.." + max + " for "
                    + network.getHostAddress());
        }
    }

    /** Parses {@code address/length}; a bare address means a single host. */
    public static Cidr parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(
                    "cidr: expected address/length such as 198.18.0.0/16, got '" + text + "'");
        }
        String t = text.trim();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        if (!addr.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
            throw new IllegalArgumentException("cidr: '" + text + "' does not start with a literal IP address");
        }
        InetAddress ip;
        try {
            ip = InetAddress.getByName(addr);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cidr: '" + addr + "' is not an IP address", e);
        }
        int len;
        if (slash < 0) {
            len = ip.getAddress().length * 8;
        } else {
            try {
                len = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("cidr: prefix length in '" + text + "' is not a number", e);
            }
        }
        return new Cidr(ip, len);
    }

    /** True when {@code address} lies in this prefix (same family only). */
    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        byte[] n = network.getAddress();
        if (a.length != n.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != n[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (a[full] & mask) == (n[full] & mask);
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefixLength;
    }
}
