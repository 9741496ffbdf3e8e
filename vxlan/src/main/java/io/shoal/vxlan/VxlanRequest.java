package io.shoal.vxlan;

import io.shoal.netlink.codec.IfInfoMsg;
import io.shoal.netlink.codec.MessageBuilder;
import io.shoal.netlink.socket.NetlinkSocket;
import io.shoal.netlink.uapi.IfLinkH;
import io.shoal.netlink.uapi.NetlinkH;
import io.shoal.netlink.uapi.RtnetlinkH;
import java.net.Inet4Address;

/**
 * Creates the overlay's vxlan device. {@code Links.createVxlan} has no way to ask for ARP proxying,
 * and the overlay needs it: with no flooding, a container's ARP broadcast that reaches {@code vxlan0}
 * would be dropped; with {@code IFLA_VXLAN_PROXY} the device answers it from the static neighbour
 * entries the driver programs on it (as Docker's overlay does).
 */
final class VxlanRequest {
    /** {@code IFLA_VXLAN_PROXY} ({@code <linux/if_link.h>}): u8, 1 answers ARP from the neighbour table. */
    static final int IFLA_VXLAN_PROXY = 11;

    private VxlanRequest() {}

    /** The request: vxlan {@code name}, VNI, UDP port, local VTEP, underlay device, learning off, proxy on. */
    static MessageBuilder build(String name, int vni, int port, Inet4Address local, int underlayIndex) {
        MessageBuilder b =
                new MessageBuilder().begin(RtnetlinkH.RTM_NEWLINK, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_EXCL);
        IfInfoMsg.ofIndex(0).encode(b);
        b.putString(IfLinkH.IFLA_IFNAME, name);
        int info = b.beginNested(IfLinkH.IFLA_LINKINFO);
        b.putString(IfLinkH.IFLA_INFO_KIND, "vxlan");
        int data = b.beginNested(IfLinkH.IFLA_INFO_DATA);
        b.putU32(IfLinkH.IFLA_VXLAN_ID, vni);
        b.putU16Be(IfLinkH.IFLA_VXLAN_PORT, port);
        b.putU8(IfLinkH.IFLA_VXLAN_LEARNING, 0);
        b.putU8(IFLA_VXLAN_PROXY, 1);
        b.putIpv4(IfLinkH.IFLA_VXLAN_LOCAL, local);
        if (underlayIndex > 0) {
            b.putU32(IfLinkH.IFLA_VXLAN_LINK, underlayIndex);
        }
        b.endNested(data).endNested(info);
        return b;
    }

    /** Sends {@link #build} on {@code socket} (a socket in the host namespace). */
    static void create(NetlinkSocket socket, String name, int vni, int port, Inet4Address local, int underlayIndex) {
        socket.execute(
                build(name, vni, port, local, underlayIndex),
                "create vxlan \"" + name + "\" vni " + vni + " local " + local.getHostAddress() + " proxy");
    }
}
