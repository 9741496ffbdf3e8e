package io.shoal.vxlan;

import java.net.Inet4Address;
import java.util.Objects;

/**
 * An IPv4 address with a prefix length, written {@code 100.64.1.2/24}: an endpoint's address on
 * an overlay network.
 *
 * @param address the address
 * @param prefixLength 0..32
 */
public record IpPrefix(Inet4Address address, int prefixLength) {
    public IpPrefix {
        Objects.requireNonNull(address, "address");
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length must be in [0, 32], was " + prefixLength);
        }
    }

    /**
     * Parses {@code a.b.c.d/n}.
     *
     * @param field what the text is (named in the error), e.g. {@code "ip"}
     */
    public static IpPrefix parse(String field, String text) {
        Objects.requireNonNull(text, field);
        int slash = text.indexOf('/');
        if (slash < 0 || slash != text.lastIndexOf('/')) {
            throw new IllegalArgumentException(field + " must be written a.b.c.d/n, was \"" + text + "\"");
        }
        Inet4Address address = Ipv4.parse(field, text.substring(0, slash));
        String length = text.substring(slash + 1);
        if (length.isEmpty() || length.length() > 2 || !length.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(
                    field + " must be written a.b.c.d/n with n in [0, 32], was \"" + text + "\"");
        }
        int n = Integer.parseInt(length);
        if (n > 32) {
            throw new IllegalArgumentException(field + " prefix length must be in [0, 32], was \"" + text + "\"");
        }
        return new IpPrefix(address, n);
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefixLength;
    }
}
