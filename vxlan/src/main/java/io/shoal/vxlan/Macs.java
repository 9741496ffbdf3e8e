package io.shoal.vxlan;

import io.shoal.netlink.route.MacAddress;
import java.net.Inet4Address;
import java.util.Objects;

/**
 * MAC addresses of endpoints, derived from their IPv4 address as Docker does: {@code 02:42} (a
 * locally administered unicast prefix) followed by the 4 address bytes. Every host can thus compute
 * a remote endpoint's MAC from its IP, and no two endpoints of a network share one.
 */
public final class Macs {
    private Macs() {}

    /** {@code 02:42:<ip bytes>}, e.g. 100.64.1.2 gives {@code 02:42:64:40:01:02}. */
    public static MacAddress fromIp(Inet4Address ip) {
        Objects.requireNonNull(ip, "ip");
        byte[] a = ip.getAddress();
        return MacAddress.of(new byte[] {0x02, 0x42, a[0], a[1], a[2], a[3]});
    }
}
