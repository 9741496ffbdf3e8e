package io.shoal.balancer.ipvs;

/**
 * Constants of {@code <linux/ip_vs.h>} used by the generic-netlink IPVS interface, named as there.
 * Kept in this module (not in {@code netlink/}) because only the IPVS backend speaks this family.
 */
public final class IpVsH {
    private IpVsH() {}

    /** {@code IPVS_GENL_NAME}: the generic-netlink family to resolve. */
    public static final String IPVS_GENL_NAME = "IPVS";
    /** {@code IPVS_GENL_VERSION}: goes into {@code genlmsghdr.version}. */
    public static final int IPVS_GENL_VERSION = 1;

    /** {@code IP_VS_SCHEDNAME_MAXLEN}, including the terminating NUL. */
    public static final int IP_VS_SCHEDNAME_MAXLEN = 16;

    // Virtual service flags (struct ip_vs_flags.flags).
    public static final int IP_VS_SVC_F_PERSISTENT = 0x0001;
    /** Set by the kernel on every service it holds; never sent, masked off when read. */
    public static final int IP_VS_SVC_F_HASHED = 0x0002;

    public static final int IP_VS_SVC_F_ONEPACKET = 0x0004;
    public static final int IP_VS_SVC_F_SCHED1 = 0x0008;
    public static final int IP_VS_SVC_F_SCHED2 = 0x0010;
    public static final int IP_VS_SVC_F_SCHED3 = 0x0020;
    /** {@code sh}/{@code mh}: pick another destination when the hashed one is unavailable. */
    public static final int IP_VS_SVC_F_SCHED_SH_FALLBACK = IP_VS_SVC_F_SCHED1;
    /** {@code sh}/{@code mh}: hash the source port too, not only the source address. */
    public static final int IP_VS_SVC_F_SCHED_SH_PORT = IP_VS_SVC_F_SCHED2;

    // Connection flags: the forwarding method of a destination.
    public static final int IP_VS_CONN_F_FWD_MASK = 0x0007;
    /** Masquerading (NAT): the only method that works for a VIP balanced inside a namespace. */
    public static final int IP_VS_CONN_F_MASQ = 0x0000;

    public static final int IP_VS_CONN_F_LOCALNODE = 0x0001;
    public static final int IP_VS_CONN_F_TUNNEL = 0x0002;
    public static final int IP_VS_CONN_F_DROUTE = 0x0003;

    // Commands (enum, IPVS_CMD_UNSPEC = 0).
    public static final int IPVS_CMD_NEW_SERVICE = 1;
    public static final int IPVS_CMD_SET_SERVICE = 2;
    public static final int IPVS_CMD_DEL_SERVICE = 3;
    public static final int IPVS_CMD_GET_SERVICE = 4;
    public static final int IPVS_CMD_NEW_DEST = 5;
    public static final int IPVS_CMD_SET_DEST = 6;
    public static final int IPVS_CMD_DEL_DEST = 7;
    public static final int IPVS_CMD_GET_DEST = 8;
    public static final int IPVS_CMD_NEW_DAEMON = 9;
    public static final int IPVS_CMD_DEL_DAEMON = 10;
    public static final int IPVS_CMD_GET_DAEMON = 11;
    public static final int IPVS_CMD_SET_CONFIG = 12;
    public static final int IPVS_CMD_GET_CONFIG = 13;
    /** Only used as the command of the reply to GET_INFO. */
    public static final int IPVS_CMD_SET_INFO = 14;

    public static final int IPVS_CMD_GET_INFO = 15;
    public static final int IPVS_CMD_ZERO = 16;
    public static final int IPVS_CMD_FLUSH = 17;

    // First-level attributes.
    public static final int IPVS_CMD_ATTR_SERVICE = 1;
    public static final int IPVS_CMD_ATTR_DEST = 2;
    public static final int IPVS_CMD_ATTR_DAEMON = 3;
    public static final int IPVS_CMD_ATTR_TIMEOUT_TCP = 4;
    public static final int IPVS_CMD_ATTR_TIMEOUT_TCP_FIN = 5;
    public static final int IPVS_CMD_ATTR_TIMEOUT_UDP = 6;

    // Inside IPVS_CMD_ATTR_SERVICE.
    /** u16 address family. */
    public static final int IPVS_SVC_ATTR_AF = 1;
    /** u16 IP protocol. */
    public static final int IPVS_SVC_ATTR_PROTOCOL = 2;
    /** 16 bytes ({@code union nf_inet_addr}); IPv4 in the first four. */
    public static final int IPVS_SVC_ATTR_ADDR = 3;
    /** be16 port. */
    public static final int IPVS_SVC_ATTR_PORT = 4;
    /** u32 firewall mark (instead of protocol/addr/port). */
    public static final int IPVS_SVC_ATTR_FWMARK = 5;
    /** NUL-terminated scheduler name. */
    public static final int IPVS_SVC_ATTR_SCHED_NAME = 6;
    /** {@code struct ip_vs_flags} { u32 flags; u32 mask; }. */
    public static final int IPVS_SVC_ATTR_FLAGS = 7;
    /** u32 persistence timeout in seconds. */
    public static final int IPVS_SVC_ATTR_TIMEOUT = 8;
    /** u32: be32 netmask for IPv4, prefix length for IPv6. */
    public static final int IPVS_SVC_ATTR_NETMASK = 9;

    public static final int IPVS_SVC_ATTR_STATS = 10;
    public static final int IPVS_SVC_ATTR_PE_NAME = 11;
    public static final int IPVS_SVC_ATTR_STATS64 = 12;

    // Inside IPVS_CMD_ATTR_DEST.
    public static final int IPVS_DEST_ATTR_ADDR = 1;
    public static final int IPVS_DEST_ATTR_PORT = 2;
    public static final int IPVS_DEST_ATTR_FWD_METHOD = 3;
    public static final int IPVS_DEST_ATTR_WEIGHT = 4;
    public static final int IPVS_DEST_ATTR_U_THRESH = 5;
    public static final int IPVS_DEST_ATTR_L_THRESH = 6;
    public static final int IPVS_DEST_ATTR_ACTIVE_CONNS = 7;
    public static final int IPVS_DEST_ATTR_INACT_CONNS = 8;
    public static final int IPVS_DEST_ATTR_PERSIST_CONNS = 9;
    public static final int IPVS_DEST_ATTR_STATS = 10;
    public static final int IPVS_DEST_ATTR_ADDR_FAMILY = 11;
    public static final int IPVS_DEST_ATTR_STATS64 = 12;
    public static final int IPVS_DEST_ATTR_TUN_TYPE = 13;
    public static final int IPVS_DEST_ATTR_TUN_PORT = 14;
    public static final int IPVS_DEST_ATTR_TUN_FLAGS = 15;

    // Reply to GET_INFO.
    public static final int IPVS_INFO_ATTR_VERSION = 1;
    public static final int IPVS_INFO_ATTR_CONN_TAB_SIZE = 2;

    // Address families and protocols as the kernel numbers them.
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_UDP = 17;
}
