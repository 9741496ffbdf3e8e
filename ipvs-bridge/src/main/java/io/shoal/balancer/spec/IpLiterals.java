package io.shoal.balancer.spec;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** Parses IP address literals without ever asking DNS (a typo must not become a lookup). */
public final class IpLiterals {
    private static final Pattern LITERAL = Pattern.compile("[0-9A-Fa-f:.]+");

    private IpLiterals() {}

    /**
     * Parses an IPv4 or IPv6 literal.
     *
     * @param text the literal, e.g. {@code 100.64.0.10} or {@code 2001:db8::1}
     * @param field the field name used in the error message
     * @throws IllegalArgumentException naming {@code field} when {@code text} is not a literal
     */
    public static InetAddress parse(String text, String field) {
        if (text == null || text.isEmpty() || !LITERAL.matcher(text).matches()) {
            throw new IllegalArgumentException(field + " must be an IPv4 or IPv6 literal, was '" + text + "'");
        }
        if (text.indexOf(':') < 0) {
            // Checked here: InetAddress would take "300.1.1.1" for a host name and ask DNS.
            String[] octets = text.split("\\.", -1);
            if (octets.length != 4) {
                throw new IllegalArgumentException(field + " must be an IPv4 or IPv6 literal, was '" + text + "'");
            }
            for (String o : octets) {
                if (!o.matches("\\d{1,3}") || Integer.parseInt(o) > 255) {
                    throw new IllegalArgumentException(field + " must be an IPv4 or IPv6 literal, was '" + text + "'");
                }
            }
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(field + " must be an IPv4 or IPv6 literal, was '" + text + "'", e);
        }
    }

    /** The address as nftables and messages write it ({@code 100.64.0.10}, {@code 2001:db8::1}). */
    public static String format(InetAddress address) {
        String s = address.getHostAddress();
        int scope = s.indexOf('%');
        return scope < 0 ? s : s.substring(0, scope);
    }
}
