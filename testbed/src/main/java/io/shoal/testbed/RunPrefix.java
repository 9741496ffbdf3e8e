package io.shoal.testbed;

import java.security.SecureRandom;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The per-run prefix that every namespace and link of one testbed run carries, such as {@code sbq7k2}.
 *
 * <p>All names are derived here so that they stay within the kernel's 15-character limit for link
 * names and so that the {@link Sweeper} can recognise what belongs to a run from the name alone.
 * A member (host {@code h1}, client {@code lb}) of run {@code sbq7k2} lives in namespace
 * {@code sbq7k2-h1}, and its fabric-side veth end is named the same.
 */
public final class RunPrefix {
    /** Kernel limit for an interface name (IFNAMSIZ - 1). */
    public static final int MAX_LINK_NAME = 15;

    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final Pattern PREFIX = Pattern.compile("sb[a-z0-9]{4}");
    private static final Pattern MEMBER = Pattern.compile("[a-z][a-z0-9]{0,7}");
    private static final Pattern NAMESPACE = Pattern.compile("(sb[a-z0-9]{4})-([a-z][a-z0-9]{0,7})");
    private static final Pattern HOST_NAME = Pattern.compile("h[0-9]+");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String value;

    private RunPrefix(String value) {
        this.value = value;
    }

    /** A fresh random prefix: {@code sb} followed by four lowercase letters or digits. */
    public static RunPrefix random() {
        StringBuilder sb = new StringBuilder("sb");
        for (int i = 0; i < 4; i++) {
            sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return new RunPrefix(sb.toString());
    }

    /**
     * Parses a prefix given by a user or read from a run record.
     *
     * @throws IllegalArgumentException naming the field when {@code value} is not {@code sb} + 4 of [a-z0-9]
     */
    public static RunPrefix of(String value) {
        if (value == null || !PREFIX.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    "prefix: expected 'sb' followed by 4 lowercase letters or digits (e.g. sbq7k2), got '" + value
                            + "'");
        }
        return new RunPrefix(value);
    }

    /** The prefix of the run that owns namespace {@code name}, if the name has the testbed's shape. */
    public static Optional<RunPrefix> ownerOf(String namespaceName) {
        Matcher m = NAMESPACE.matcher(namespaceName);
        return m.matches() ? Optional.of(new RunPrefix(m.group(1))) : Optional.empty();
    }

    /**
     * Checks a client or load-balancer name given to {@link Testbed#addClient(String)}.
     *
     * @throws IllegalArgumentException naming the field when the name is too long, badly formed or
     *     reserved for hosts ({@code h1}, {@code h2} …) and the fabric ({@code fab}, {@code br})
     */
    public static String checkClientName(String name) {
        if (name == null || !MEMBER.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "client name: expected 1-8 characters, a lowercase letter then letters or digits, got '" + name
                            + "'");
        }
        if (HOST_NAME.matcher(name).matches() || name.equals("fab") || name.equals("br")) {
            throw new IllegalArgumentException("client name: '" + name + "' is reserved for hosts and the fabric");
        }
        return name;
    }

    /** The name of host {@code index} (1-based): {@code h1}, {@code h2} … */
    public static String hostName(int index) {
        return "h" + index;
    }

    /** The namespace of member {@code member} (a host or client name) in this run. */
    public String namespace(String member) {
        return value + "-" + member;
    }

    /** The namespace that holds the fabric bridge. */
    public String fabricNamespace() {
        return namespace("fab");
    }

    /** The fabric bridge, inside {@link #fabricNamespace()}. */
    public String bridge() {
        return value + "-br";
    }

    /** The fabric-side end of member {@code member}'s veth; at most 15 characters. */
    public String fabricLink(String member) {
        return value + "-" + member;
    }

    /** True when namespace or link {@code name} belongs to this run. */
    public boolean owns(String name) {
        return name.startsWith(value + "-");
    }

    /** The prefix itself, e.g. {@code sbq7k2}. */
    public String value() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RunPrefix && ((RunPrefix) o).value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return value;
    }
}
