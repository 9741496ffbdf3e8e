package io.shoal.balancer.spec;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;

/**
 * What identifies a virtual service in the kernel: VIP, protocol and port (0 = all ports).
 *
 * @param vip the virtual IP
 * @param protocol TCP or UDP
 * @param port 1..65535, or {@link #ALL_PORTS}
 */
public record ServiceKey(InetAddress vip, Protocol protocol, int port) implements Comparable<ServiceKey> {
    /** The port value of a service that answers on every port of its VIP (IPVS fwmark services). */
    public static final int ALL_PORTS = 0;

    private static final Comparator<ServiceKey> ORDER = Comparator.comparingInt(
                    (ServiceKey k) -> k.vip.getAddress().length)
            .thenComparing(k -> k.vip.getAddress(), Arrays::compareUnsigned)
            .thenComparing(ServiceKey::protocol)
            .thenComparingInt(ServiceKey::port);

    public ServiceKey {
        Objects.requireNonNull(vip, "vip must not be null");
        Objects.requireNonNull(protocol, "protocol must not be null");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535 or ALL_PORTS, was " + port);
        }
    }

    /** True when the service answers on every port of its VIP. */
    public boolean allPorts() {
        return port == ALL_PORTS;
    }

    /** True for an IPv6 VIP. */
    public boolean isIpv6() {
        return vip instanceof Inet6Address;
    }

    @Override
    public int compareTo(ServiceKey other) {
        return ORDER.compare(this, other);
    }

    /** {@code 100.64.0.10:80/tcp}, or {@code 100.64.0.10:*}{@code /tcp} for all ports. */
    @Override
    public String toString() {
        String a = IpLiterals.format(vip);
        return (isIpv6() ? "[" + a + "]" : a) + ":" + (allPorts() ? "*" : Integer.toString(port)) + "/"
                + protocol.keyword();
    }
}
