package io.shoal.netlink.uapi;

/**
 * Constants of {@code <linux/netfilter/nfnetlink.h>} (and {@code NETLINK_NETFILTER} of
 * {@code <linux/netlink.h>}): the netfilter netlink envelope. Checked against the installed headers
 * by {@code UapiConstantsTest}.
 */
public final class NfnetlinkH {
    private NfnetlinkH() {}

    /** {@code NETLINK_NETFILTER}: netfilter subsystems (nf_tables, conntrack, ...). */
    public static final int NETLINK_NETFILTER = 12;

    /** {@code sizeof(struct nfgenmsg)}: family u8, version u8, res_id be16. */
    public static final int NFGENMSG_SIZE = 4;
    /** {@code NFNETLINK_V0}. */
    public static final int NFNETLINK_V0 = 0;

    /** {@code NFNL_SUBSYS_NFTABLES}: the subsystem in the high byte of an nf_tables message type. */
    public static final int NFNL_SUBSYS_NFTABLES = 10;

    /** {@code NFNL_MSG_BATCH_BEGIN = NLMSG_MIN_TYPE}: opens a transaction; res_id names the subsystem. */
    public static final int NFNL_MSG_BATCH_BEGIN = 0x10;
    /** {@code NFNL_MSG_BATCH_END = NLMSG_MIN_TYPE + 1}: commits the transaction. */
    public static final int NFNL_MSG_BATCH_END = 0x11;

    /** {@code NFNL_BATCH_GENID}: generation id the batch expects (u32, optional). */
    public static final int NFNL_BATCH_GENID = 1;

    /** {@code NFPROTO_UNSPEC} ({@code <linux/netfilter.h>}). */
    public static final int NFPROTO_UNSPEC = 0;
    /** {@code NFPROTO_INET}: tables of family {@code inet} (IPv4 and IPv6). */
    public static final int NFPROTO_INET = 1;
    /** {@code NFPROTO_IPV4}. */
    public static final int NFPROTO_IPV4 = 2;
    /** {@code NFPROTO_IPV6}. */
    public static final int NFPROTO_IPV6 = 10;

    /** {@code (subsys << 8) | msg}: the nlmsg_type of a netfilter message. */
    public static int messageType(int subsystem, int message) {
        return (subsystem << 8) | message;
    }

    /** A readable name of a {@code NETLINK_NETFILTER} message type, for errors. */
    public static String messageTypeName(int type) {
        if (type == NFNL_MSG_BATCH_BEGIN) {
            return "NFNL_MSG_BATCH_BEGIN";
        }
        if (type == NFNL_MSG_BATCH_END) {
            return "NFNL_MSG_BATCH_END";
        }
        String control = NetlinkH.controlMessageName(type);
        if (control != null) {
            return control;
        }
        if ((type >>> 8) == NFNL_SUBSYS_NFTABLES) {
            return NfTablesH.messageName(type & 0xff);
        }
        return "nfnetlink subsystem " + (type >>> 8) + " message " + (type & 0xff);
    }
}
