package io.shoal.balancer.ipvs;

import io.shoal.balancer.spec.IpLiterals;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * A real server of a virtual service as IPVS holds it ({@code IPVS_CMD_ATTR_DEST}).
 *
 * @param address the destination address
 * @param port the destination port (0 keeps the client's destination port)
 * @param forwardMethod {@code IP_VS_CONN_F_MASQ} etc.
 * @param weight 0 quiesces: no new connections, existing ones continue
 * @param upperThreshold connection limit (0 = none)
 * @param lowerThreshold connection count that lifts the overload mark (0 = none)
 */
public record IpvsDestination(
        InetAddress address, int port, int forwardMethod, int weight, int upperThreshold, int lowerThreshold) {
    public IpvsDestination {
        Objects.requireNonNull(address, "address");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        if (weight < 0) {
            throw new IllegalArgumentException("weight must be >= 0, was " + weight);
        }
    }

    /** A masqueraded (NAT) destination without thresholds. */
    public static IpvsDestination masq(InetAddress address, int port, int weight) {
        return new IpvsDestination(address, port, IpVsH.IP_VS_CONN_F_MASQ, weight, 0, 0);
    }

    /** {@link IpVsH#AF_INET} or {@link IpVsH#AF_INET6}. */
    public int family() {
        return address instanceof Inet6Address ? IpVsH.AF_INET6 : IpVsH.AF_INET;
    }

    /** Address and port: what identifies the destination within its service. */
    public Key key() {
        return new Key(address, port);
    }

    /** This destination with another weight. */
    public IpvsDestination withWeight(int w) {
        return new IpvsDestination(address, port, forwardMethod, w, upperThreshold, lowerThreshold);
    }

    @Override
    public String toString() {
        return key() + " weight " + weight + (forwardMethod != IpVsH.IP_VS_CONN_F_MASQ ? " fwd " + forwardMethod : "");
    }

    /** A destination's identity within a service. */
    public record Key(InetAddress address, int port) {
        @Override
        public String toString() {
            String a = IpLiterals.format(address);
            return (address instanceof Inet6Address ? "[" + a + "]" : a) + ":" + port;
        }
    }
}
