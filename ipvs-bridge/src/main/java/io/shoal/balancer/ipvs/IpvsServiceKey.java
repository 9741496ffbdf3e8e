package io.shoal.balancer.ipvs;

import io.shoal.balancer.spec.IpLiterals;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;

/**
 * What identifies a virtual service in the IPVS table: address, protocol and port (port 0 = a
 * "persistent port zero" service answering on every port), or a firewall mark.
 *
 * @param address the virtual address (for a fwmark service: any address of the family)
 * @param protocol {@link IpVsH#IPPROTO_TCP} or {@link IpVsH#IPPROTO_UDP}
 * @param port 0..65535
 * @param fwmark 0, or the firewall mark of a fwmark service
 */
public record IpvsServiceKey(InetAddress address, int protocol, int port, int fwmark)
        implements Comparable<IpvsServiceKey> {
    private static final Comparator<IpvsServiceKey> ORDER = Comparator.comparingInt(
                    (IpvsServiceKey k) -> k.address.getAddress().length)
            .thenComparing(k -> k.address.getAddress(), Arrays::compareUnsigned)
            .thenComparingInt(IpvsServiceKey::protocol)
            .thenComparingInt(IpvsServiceKey::port)
            .thenComparing((a, b) -> Integer.compareUnsigned(a.fwmark, b.fwmark));

    public IpvsServiceKey {
        Objects.requireNonNull(address, "address");
        if (protocol != IpVsH.IPPROTO_TCP && protocol != IpVsH.IPPROTO_UDP) {
            throw new IllegalArgumentException("protocol must be TCP (6) or UDP (17), was " + protocol);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
    }

    /** {@link IpVsH#AF_INET} or {@link IpVsH#AF_INET6}. */
    public int family() {
        return address instanceof Inet6Address ? IpVsH.AF_INET6 : IpVsH.AF_INET;
    }

    @Override
    public int compareTo(IpvsServiceKey o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        if (fwmark != 0) {
            return "fwmark " + Integer.toUnsignedString(fwmark);
        }
        String a = IpLiterals.format(address);
        return (protocol == IpVsH.IPPROTO_TCP ? "TCP " : "UDP ") + (address instanceof Inet6Address ? "[" + a + "]" : a)
                + ":" + port;
    }
}
