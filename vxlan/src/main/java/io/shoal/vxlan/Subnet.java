package io.shoal.vxlan;

import java.net.Inet4Address;
import java.util.Objects;

/**
 * An overlay network's IPv4 subnet, e.g. {@code 100.64.1.0/24}: the network address (no host bits
 * set), its gateway (the first host address, which the sandbox bridge holds) and the range that
 * endpoints may use.
 */
public final class Subnet {
    /** Longest prefix that leaves room for a gateway and one endpoint (/30: 2 hosts). */
    public static final int MAX_PREFIX = 30;

    private final Inet4Address network;
    private final int prefixLength;
    private final int base;
    private final int mask;

    private Subnet(Inet4Address network, int prefixLength) {
        this.network = network;
        this.prefixLength = prefixLength;
        this.mask = prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
        this.base = Ipv4.toInt(network);
    }

    /**
     * Parses {@code a.b.c.d/n} with n in [1, 30] and no host bits set.
     *
     * @throws IllegalArgumentException naming the field {@code subnet} and what was expected
     */
    public static Subnet parse(String text) {
        Objects.requireNonNull(text, "subnet");
        IpPrefix p = IpPrefix.parse("subnet", text);
        if (p.prefixLength() < 1 || p.prefixLength() > MAX_PREFIX) {
            throw new IllegalArgumentException("subnet prefix length must be in [1, " + MAX_PREFIX
                    + "] (room for a gateway and an endpoint), was \"" + text + "\"");
        }
        int mask = -1 << (32 - p.prefixLength());
        int value = Ipv4.toInt(p.address());
        if ((value & ~mask) != 0) {
            Inet4Address expected = Ipv4.fromInt(value & mask);
            throw new IllegalArgumentException("subnet must have no host bits set: expected \""
                    + expected.getHostAddress() + "/" + p.prefixLength() + "\", was \"" + text + "\"");
        }
        return new Subnet(p.address(), p.prefixLength());
    }

    /** The network address. */
    public Inet4Address network() {
        return network;
    }

    /** The prefix length. */
    public int prefixLength() {
        return prefixLength;
    }

    /** The gateway: the first host address, given to the sandbox bridge {@code br0}. */
    public Inet4Address gateway() {
        return Ipv4.fromInt(base + 1);
    }

    /** The broadcast address (the last address). */
    public Inet4Address broadcast() {
        return Ipv4.fromInt(base | ~mask);
    }

    /** True when {@code address} lies in this subnet (network and broadcast addresses included). */
    public boolean contains(Inet4Address address) {
        return (Ipv4.toInt(address) & mask) == base;
    }

    /**
     * Checks that {@code address} may be an endpoint here: inside the subnet, neither the network,
     * the broadcast nor the gateway address.
     *
     * @param field what the address is, named in the error
     */
    public void checkEndpointAddress(String field, Inet4Address address) {
        Objects.requireNonNull(address, field);
        String a = address.getHostAddress();
        if (!contains(address)) {
            throw new IllegalArgumentException(field + " " + a + " is outside the network's subnet " + this);
        }
        if (address.equals(network) || address.equals(broadcast())) {
            throw new IllegalArgumentException(
                    field + " " + a + " is the network or broadcast address of subnet " + this);
        }
        if (address.equals(gateway())) {
            throw new IllegalArgumentException(
                    field + " " + a + " is the gateway of subnet " + this + " (held by the sandbox bridge)");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Subnet s && s.base == base && s.prefixLength == prefixLength;
    }

    @Override
    public int hashCode() {
        return base * 31 + prefixLength;
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefixLength;
    }
}
