package io.shoal.netlink.uapi;

/** Constants of {@code <linux/netlink.h>}: protocols, message flags, control messages, attributes. */
public final class NetlinkH {
    private NetlinkH() {}

    /** {@code NETLINK_ROUTE}: routing and device configuration (rtnetlink). */
    public static final int NETLINK_ROUTE = 0;
    /** {@code NETLINK_GENERIC}: generic netlink, families resolved by name. */
    public static final int NETLINK_GENERIC = 16;

    /** {@code sizeof(struct nlmsghdr)}: len u32, type u16, flags u16, seq u32, pid u32. */
    public static final int NLMSG_HDRLEN = 16;
    /** {@code NLMSG_ALIGNTO}. */
    public static final int NLMSG_ALIGNTO = 4;

    /** {@code NLM_F_REQUEST}: this is a request. */
    public static final int NLM_F_REQUEST = 0x01;
    /** {@code NLM_F_MULTI}: part of a multi-part reply ended by {@code NLMSG_DONE}. */
    public static final int NLM_F_MULTI = 0x02;
    /** {@code NLM_F_ACK}: reply with an acknowledgement (an {@code NLMSG_ERROR} with errno 0). */
    public static final int NLM_F_ACK = 0x04;
    /** {@code NLM_F_ECHO}: echo this request. */
    public static final int NLM_F_ECHO = 0x08;
    /** {@code NLM_F_DUMP_INTR}: the dump was inconsistent because the table changed meanwhile. */
    public static final int NLM_F_DUMP_INTR = 0x10;
    /** {@code NLM_F_ROOT} (GET requests). */
    public static final int NLM_F_ROOT = 0x100;
    /** {@code NLM_F_MATCH} (GET requests). */
    public static final int NLM_F_MATCH = 0x200;
    /** {@code NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH}. */
    public static final int NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
    /** {@code NLM_F_REPLACE} (NEW requests): override an existing object. */
    public static final int NLM_F_REPLACE = 0x100;
    /** {@code NLM_F_EXCL} (NEW requests): fail if the object exists. */
    public static final int NLM_F_EXCL = 0x200;
    /** {@code NLM_F_CREATE} (NEW requests): create if it does not exist. */
    public static final int NLM_F_CREATE = 0x400;
    /** {@code NLM_F_APPEND} (NEW requests). */
    public static final int NLM_F_APPEND = 0x800;
    /** {@code NLM_F_CAPPED} (acks): the echoed request was cut to its header. */
    public static final int NLM_F_CAPPED = 0x100;
    /** {@code NLM_F_ACK_TLVS} (acks): extended-ack attributes follow the echoed request. */
    public static final int NLM_F_ACK_TLVS = 0x200;

    /** {@code NLMSG_NOOP}. */
    public static final int NLMSG_NOOP = 0x1;
    /** {@code NLMSG_ERROR}: an error or, with errno 0, an acknowledgement. */
    public static final int NLMSG_ERROR = 0x2;
    /** {@code NLMSG_DONE}: end of a multi-part dump. */
    public static final int NLMSG_DONE = 0x3;
    /** {@code NLMSG_OVERRUN}: data lost. */
    public static final int NLMSG_OVERRUN = 0x4;

    /** {@code SOL_NETLINK}: socket option level. */
    public static final int SOL_NETLINK = 270;
    /** {@code NETLINK_CAP_ACK}: acks echo only the request header, not its payload. */
    public static final int NETLINK_CAP_ACK = 10;
    /** {@code NETLINK_EXT_ACK}: errors carry the kernel's message as extended-ack attributes. */
    public static final int NETLINK_EXT_ACK = 11;

    /** {@code NLMSGERR_ATTR_MSG}: extended-ack error message string. */
    public static final int NLMSGERR_ATTR_MSG = 1;
    /** {@code NLMSGERR_ATTR_OFFS}: offset of the offending attribute in the request. */
    public static final int NLMSGERR_ATTR_OFFS = 2;

    /** {@code NLA_HDRLEN}: attribute header, len u16 + type u16. */
    public static final int NLA_HDRLEN = 4;
    /** {@code NLA_ALIGNTO}. */
    public static final int NLA_ALIGNTO = 4;
    /** {@code NLA_F_NESTED}: the attribute carries attributes. */
    public static final int NLA_F_NESTED = 1 << 15;
    /** {@code NLA_F_NET_BYTEORDER}: the payload is in network byte order. */
    public static final int NLA_F_NET_BYTEORDER = 1 << 14;
    /** {@code NLA_TYPE_MASK}: the type bits of {@code nla_type}. */
    public static final int NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

    /** Name of a control message type, or null when {@code type} is not one. */
    public static String controlMessageName(int type) {
        return switch (type) {
            case NLMSG_NOOP -> "NLMSG_NOOP";
            case NLMSG_ERROR -> "NLMSG_ERROR";
            case NLMSG_DONE -> "NLMSG_DONE";
            case NLMSG_OVERRUN -> "NLMSG_OVERRUN";
            default -> null;
        };
    }
}
