package io.shoal.vxlan;

import io.shoal.netlink.route.MacAddress;
import java.net.Inet4Address;
import java.util.Objects;

/**
 * An endpoint of an overlay network on another host: its overlay address, its MAC, and the
 * underlay address of the host (VTEP) that holds it.
 */
public record Remote(Inet4Address ip, MacAddress mac, Inet4Address vtep) {
    public Remote {
        Objects.requireNonNull(ip, "ip");
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(vtep, "vtep");
    }

    /** A remote endpoint whose MAC is derived from its IP ({@link Macs#fromIp}). */
    public static Remote of(Inet4Address ip, Inet4Address vtep) {
        return new Remote(ip, Macs.fromIp(ip), vtep);
    }

    @Override
    public String toString() {
        return ip.getHostAddress() + " " + mac + " via " + vtep.getHostAddress();
    }
}
