package io.shoal.vxlan;

import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.route.RouteNetlink;

/** A network's sandbox as the driver holds it: an open descriptor and an rtnetlink socket inside. */
final class Sandbox {
    final String id;
    final int vni;
    final Subnet subnet;
    final int mtu;
    final String name;
    final NetNs namespace;
    final RouteNetlink rt;
    int vxlanIndex;
    int bridgeIndex;

    Sandbox(String id, int vni, Subnet subnet, int mtu, String name, NetNs namespace, RouteNetlink rt) {
        this.id = id;
        this.vni = vni;
        this.subnet = subnet;
        this.mtu = mtu;
        this.name = name;
        this.namespace = namespace;
        this.rt = rt;
    }

    OverlayNetwork describe() {
        return new OverlayNetwork(id, vni, subnet, mtu, name);
    }

    void close() {
        try {
            rt.close();
        } finally {
            namespace.close();
        }
    }
}
