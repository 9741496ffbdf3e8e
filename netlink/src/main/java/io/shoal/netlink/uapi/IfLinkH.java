package io.shoal.netlink.uapi;

/**
 * Constants of {@code <linux/if_link.h>} (link attributes, link info, vxlan), {@code <linux/veth.h>}
 * and {@code <linux/if.h>} (interface flags).
 */
public final class IfLinkH {
    private IfLinkH() {}

    /** {@code sizeof(struct ifinfomsg)}. */
    public static final int IFINFOMSG_SIZE = 16;

    /** {@code IFF_UP} ({@code <linux/if.h>}). */
    public static final int IFF_UP = 0x1;
    /** {@code IFF_LOOPBACK} ({@code <linux/if.h>}). */
    public static final int IFF_LOOPBACK = 0x8;
    /** {@code IFF_RUNNING} ({@code <linux/if.h>}). */
    public static final int IFF_RUNNING = 0x40;
    /** {@code IFF_LOWER_UP} ({@code <linux/if.h>}). */
    public static final int IFF_LOWER_UP = 0x10000;

    /** {@code ARPHRD_ETHER} ({@code <linux/if_arp.h>}). */
    public static final int ARPHRD_ETHER = 1;

    public static final int IFLA_ADDRESS = 1;
    public static final int IFLA_BROADCAST = 2;
    public static final int IFLA_IFNAME = 3;
    public static final int IFLA_MTU = 4;
    public static final int IFLA_LINK = 5;
    public static final int IFLA_MASTER = 10;
    public static final int IFLA_OPERSTATE = 16;
    public static final int IFLA_LINKINFO = 18;
    public static final int IFLA_NET_NS_PID = 19;
    public static final int IFLA_NET_NS_FD = 28;

    /** {@code IFLA_INFO_KIND} (inside {@code IFLA_LINKINFO}). */
    public static final int IFLA_INFO_KIND = 1;
    /** {@code IFLA_INFO_DATA} (inside {@code IFLA_LINKINFO}). */
    public static final int IFLA_INFO_DATA = 2;

    /** {@code VETH_INFO_PEER} ({@code <linux/veth.h>}): an ifinfomsg + attributes of the peer. */
    public static final int VETH_INFO_PEER = 1;

    /** {@code IFLA_VXLAN_ID}: VNI, u32. */
    public static final int IFLA_VXLAN_ID = 1;
    /** {@code IFLA_VXLAN_LINK}: underlay device index, u32. */
    public static final int IFLA_VXLAN_LINK = 3;
    /** {@code IFLA_VXLAN_LOCAL}: local IPv4 VTEP, 4 bytes. */
    public static final int IFLA_VXLAN_LOCAL = 4;
    /** {@code IFLA_VXLAN_TTL}: u8. */
    public static final int IFLA_VXLAN_TTL = 5;
    /** {@code IFLA_VXLAN_LEARNING}: u8, 0 turns source-address learning off. */
    public static final int IFLA_VXLAN_LEARNING = 7;
    /** {@code IFLA_VXLAN_PORT}: destination UDP port, u16 in network byte order. */
    public static final int IFLA_VXLAN_PORT = 15;
    /** {@code IFLA_VXLAN_LOCAL6}: local IPv6 VTEP, 16 bytes. */
    public static final int IFLA_VXLAN_LOCAL6 = 17;
}
