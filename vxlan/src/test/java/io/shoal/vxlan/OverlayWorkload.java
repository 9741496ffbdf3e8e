package io.shoal.vxlan;

import io.shoal.netlink.ns.NetNs;
import java.net.Inet4Address;

/**
 * A driver in a process of its own, for the kill test: ensures networks {@code a} and {@code b},
 * attaches a container to both and another to {@code a}, prints {@code ready}, then adds remotes to {@code a} one at a time
 * until it is killed.
 *
 * <p>Arguments: host namespace, underlay address, sandbox prefix, container namespace, second container namespace.
 */
public final class OverlayWorkload {
    private OverlayWorkload() {}

    public static void main(String[] args) {
        NetNs host = NetNs.open(args[0]);
        Inet4Address underlay = Ipv4.parse("underlay", args[1]);
        OverlayDriver d = OverlayDriver.open(new HostUnderlay(host, underlay, "eth0"), args[2]);
        d.ensureNetwork("a", 4361, "100.64.1.0/24");
        d.ensureNetwork("b", 4362, "100.64.2.0/24");
        ContainerNamespace c = Containers.ref(args[3]);
        d.attach("a", c, "eth0", "100.64.1.2/24");
        d.attach("b", c, "eth1", "100.64.2.2/24");
        d.attach("a", Containers.ref(args[4]), "eth0", "100.64.1.3/24");
        System.out.println("ready");
        System.out.flush();
        Inet4Address vtep = Ipv4.parse("vtep", "198.18.0.2");
        for (int i = 0; ; i = (i + 1) % 60_000) {
            d.addRemote("a", Remote.of(Ipv4.fromInt(Ipv4.toInt(Ipv4.parse("base", "100.64.1.10")) + i % 240), vtep));
        }
    }
}
