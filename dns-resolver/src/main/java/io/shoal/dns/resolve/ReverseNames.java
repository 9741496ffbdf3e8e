package io.shoal.dns.resolve;

import java.net.Inet4Address;
import java.net.InetAddress;

/** Reverse-lookup names of addresses ({@code in-addr.arpa}, {@code ip6.arpa}), in lower case. */
public final class ReverseNames {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private ReverseNames() {}

    /** {@code 100.64.0.3} → {@code 3.0.64.100.in-addr.arpa}; IPv6 as 32 nibbles under ip6.arpa. */
    public static String of(InetAddress address) {
        byte[] b = address.getAddress();
        StringBuilder s = new StringBuilder(address instanceof Inet4Address ? 29 : 73);
        if (b.length == 4) {
            for (int i = 3; i >= 0; i--) {
                s.append(b[i] & 0xFF).append('.');
            }
            return s.append("in-addr.arpa").toString();
        }
        for (int i = b.length - 1; i >= 0; i--) {
            s.append(HEX[b[i] & 0xF])
                    .append('.')
                    .append(HEX[(b[i] >>> 4) & 0xF])
                    .append('.');
        }
        return s.append("ip6.arpa").toString();
    }
}
