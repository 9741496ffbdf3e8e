package io.shoal.vxlan;

import java.net.Inet4Address;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Names of what the driver makes, derived so that a restarted driver finds them again: the sandbox
 * namespace of a network ({@code <prefix><first 12 characters of the id>}), the vxlan device's
 * temporary name in the host namespace before it moves ({@code vxt<6 hex digits of the VNI>}) and
 * the sandbox end of an endpoint's veth ({@code ve<8 hex digits of the IP>}). Link names stay
 * within 15 characters.
 */
public final class SandboxNames {
    /** How many characters of a network id name its sandbox (Docker uses 10 of 64 hex digits). */
    public static final int SHORT_ID_LENGTH = 12;
    /** Longest accepted network id. */
    public static final int MAX_ID_LENGTH = 64;

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Pattern PREFIX = Pattern.compile("[a-z0-9][a-z0-9_.-]*");
    private static final int MAX_PREFIX_LENGTH = 24;
    private static final Pattern IF_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");

    private final String prefix;

    /**
     * @param prefix starts every sandbox namespace name, e.g. {@code "sov-"}; 1..24 characters of
     *     {@code [a-z0-9_.-]}
     */
    public SandboxNames(String prefix) {
        Objects.requireNonNull(prefix, "sandboxPrefix");
        if (prefix.length() > MAX_PREFIX_LENGTH || !PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("sandboxPrefix must be 1 to " + MAX_PREFIX_LENGTH
                    + " characters of [a-z0-9_.-] starting with a letter or digit, was \"" + prefix + "\"");
        }
        this.prefix = prefix;
    }

    /** The prefix of every sandbox name. */
    public String prefix() {
        return prefix;
    }

    /** The sandbox namespace of network {@code id}. */
    public String sandbox(String id) {
        checkId(id);
        return prefix + id.substring(0, Math.min(SHORT_ID_LENGTH, id.length()));
    }

    /** True when {@code namespace} is named like one of this prefix's sandboxes. */
    public boolean isSandbox(String namespace) {
        return namespace.startsWith(prefix) && namespace.length() > prefix.length();
    }

    /** The vxlan device's name in the host namespace, between its creation and its move. */
    public static String hostVxlan(int vni) {
        return String.format("vxt%06x", vni);
    }

    /** The sandbox end of the veth of the endpoint with address {@code ip}. */
    public static String sandboxVeth(Inet4Address ip) {
        return "ve" + Ipv4.hex(ip);
    }

    /** Checks a network id: 1..64 characters of {@code [A-Za-z0-9_.-]}, starting with a letter or digit. */
    public static void checkId(String id) {
        Objects.requireNonNull(id, "networkId");
        if (id.isEmpty() || id.length() > MAX_ID_LENGTH || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("networkId must be 1 to " + MAX_ID_LENGTH
                    + " characters of [A-Za-z0-9_.-] starting with a letter or digit, was \"" + id + "\"");
        }
    }

    /** Checks a container interface name such as {@code eth0}: 1..15 characters of {@code [A-Za-z0-9_.-]}. */
    public static void checkInterfaceName(String ifName) {
        Objects.requireNonNull(ifName, "ifName");
        if (!IF_NAME.matcher(ifName).matches() || ifName.equals(".") || ifName.equals("..")) {
            throw new IllegalArgumentException(
                    "ifName must be 1 to 15 characters of [A-Za-z0-9_.-] (e.g. eth0), was \"" + ifName + "\"");
        }
    }
}
