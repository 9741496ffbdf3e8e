package io.shoal.balancer.ipvs;

import io.shoal.netlink.codec.Attribute;
import io.shoal.netlink.codec.Attributes;
import io.shoal.netlink.codec.GenlMsgHdr;
import io.shoal.netlink.codec.MalformedMessageException;
import io.shoal.netlink.codec.NetlinkMessage;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * Decodes the kernel's IPVS replies: dump entries of services and destinations, GET_CONFIG and
 * GET_INFO. Statistics ({@code *_ATTR_STATS}, {@code *_ATTR_STATS64}) are skipped. Never returns
 * null: a reply without a required attribute throws {@link MalformedMessageException} naming it.
 */
public final class IpvsReplies {
    private IpvsReplies() {}

    /** A service from a GET_SERVICE dump entry (command NEW_SERVICE). */
    public static IpvsService service(NetlinkMessage m) {
        expectCommand(m, IpVsH.IPVS_CMD_NEW_SERVICE, "IPVS_CMD_NEW_SERVICE");
        Attributes top = m.attributes(GenlMsgHdr.SIZE, "genlmsghdr");
        Attributes s = top.require(IpVsH.IPVS_CMD_ATTR_SERVICE, "IPVS_CMD_ATTR_SERVICE")
                .nested();
        int af = s.require(IpVsH.IPVS_SVC_ATTR_AF, "IPVS_SVC_ATTR_AF").u16();
        int fwmark = s.find(IpVsH.IPVS_SVC_ATTR_FWMARK).map(Attribute::u32).orElse(0);
        IpvsServiceKey key;
        if (fwmark != 0) {
            key = new IpvsServiceKey(
                    anyAddress(af, s.require(IpVsH.IPVS_SVC_ATTR_AF, "IPVS_SVC_ATTR_AF")),
                    IpVsH.IPPROTO_TCP,
                    0,
                    fwmark);
        } else {
            Attribute protocol = s.require(IpVsH.IPVS_SVC_ATTR_PROTOCOL, "IPVS_SVC_ATTR_PROTOCOL");
            int proto = protocol.u16();
            if (proto != IpVsH.IPPROTO_TCP && proto != IpVsH.IPPROTO_UDP) {
                throw new MalformedMessageException(
                        protocol.offset(), "IPVS_SVC_ATTR_PROTOCOL TCP (6) or UDP (17)", "protocol " + proto);
            }
            key = new IpvsServiceKey(
                    address(af, s.require(IpVsH.IPVS_SVC_ATTR_ADDR, "IPVS_SVC_ATTR_ADDR")),
                    proto,
                    s.require(IpVsH.IPVS_SVC_ATTR_PORT, "IPVS_SVC_ATTR_PORT").u16Be(),
                    0);
        }
        Attribute flagsAttr = s.require(IpVsH.IPVS_SVC_ATTR_FLAGS, "IPVS_SVC_ATTR_FLAGS");
        if (flagsAttr.payloadLength() != 8) {
            throw new MalformedMessageException(
                    flagsAttr.offset(),
                    "IPVS_SVC_ATTR_FLAGS as struct ip_vs_flags (8 bytes)",
                    flagsAttr.payloadLength() + " bytes");
        }
        int flags = flagsAttr.payloadView().getInt(0);
        return new IpvsService(
                key,
                s.require(IpVsH.IPVS_SVC_ATTR_SCHED_NAME, "IPVS_SVC_ATTR_SCHED_NAME")
                        .string(),
                flags,
                s.require(IpVsH.IPVS_SVC_ATTR_TIMEOUT, "IPVS_SVC_ATTR_TIMEOUT").u32(),
                s.require(IpVsH.IPVS_SVC_ATTR_NETMASK, "IPVS_SVC_ATTR_NETMASK").u32());
    }

    /** A destination from a GET_DEST dump entry (command NEW_DEST) of a service of family {@code af}. */
    public static IpvsDestination destination(NetlinkMessage m, int serviceFamily) {
        expectCommand(m, IpVsH.IPVS_CMD_NEW_DEST, "IPVS_CMD_NEW_DEST");
        Attributes top = m.attributes(GenlMsgHdr.SIZE, "genlmsghdr");
        Attributes d =
                top.require(IpVsH.IPVS_CMD_ATTR_DEST, "IPVS_CMD_ATTR_DEST").nested();
        // Kernels before 4.5 send no ADDR_FAMILY: the destination then has the service's family.
        int af = d.find(IpVsH.IPVS_DEST_ATTR_ADDR_FAMILY).map(Attribute::u16).orElse(serviceFamily);
        return new IpvsDestination(
                address(af, d.require(IpVsH.IPVS_DEST_ATTR_ADDR, "IPVS_DEST_ATTR_ADDR")),
                d.require(IpVsH.IPVS_DEST_ATTR_PORT, "IPVS_DEST_ATTR_PORT").u16Be(),
                d.require(IpVsH.IPVS_DEST_ATTR_FWD_METHOD, "IPVS_DEST_ATTR_FWD_METHOD")
                                .u32()
                        & IpVsH.IP_VS_CONN_F_FWD_MASK,
                d.require(IpVsH.IPVS_DEST_ATTR_WEIGHT, "IPVS_DEST_ATTR_WEIGHT").u32(),
                d.find(IpVsH.IPVS_DEST_ATTR_U_THRESH).map(Attribute::u32).orElse(0),
                d.find(IpVsH.IPVS_DEST_ATTR_L_THRESH).map(Attribute::u32).orElse(0));
    }

    /** The reply to GET_CONFIG (command SET_CONFIG). */
    public static IpvsConfig config(NetlinkMessage m) {
        expectCommand(m, IpVsH.IPVS_CMD_SET_CONFIG, "IPVS_CMD_SET_CONFIG");
        Attributes a = m.attributes(GenlMsgHdr.SIZE, "genlmsghdr");
        return new IpvsConfig(
                a.require(IpVsH.IPVS_CMD_ATTR_TIMEOUT_TCP, "IPVS_CMD_ATTR_TIMEOUT_TCP")
                        .u32(),
                a.require(IpVsH.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, "IPVS_CMD_ATTR_TIMEOUT_TCP_FIN")
                        .u32(),
                a.require(IpVsH.IPVS_CMD_ATTR_TIMEOUT_UDP, "IPVS_CMD_ATTR_TIMEOUT_UDP")
                        .u32());
    }

    /** The reply to GET_INFO (command SET_INFO). */
    public static IpvsInfo info(NetlinkMessage m) {
        expectCommand(m, IpVsH.IPVS_CMD_SET_INFO, "IPVS_CMD_SET_INFO");
        Attributes a = m.attributes(GenlMsgHdr.SIZE, "genlmsghdr");
        return new IpvsInfo(
                a.require(IpVsH.IPVS_INFO_ATTR_VERSION, "IPVS_INFO_ATTR_VERSION")
                        .u32(),
                a.require(IpVsH.IPVS_INFO_ATTR_CONN_TAB_SIZE, "IPVS_INFO_ATTR_CONN_TAB_SIZE")
                        .u32());
    }

    private static void expectCommand(NetlinkMessage m, int command, String name) {
        GenlMsgHdr h = GenlMsgHdr.decode(m);
        if (h.command() != command) {
            throw new MalformedMessageException(
                    m.payloadOffset(), "genlmsghdr.cmd " + name + " (" + command + ")", "cmd " + h.command());
        }
    }

    /** A 16-byte {@code union nf_inet_addr} (or a bare 4/16-byte address) of family {@code af}. */
    private static InetAddress address(int af, Attribute a) {
        byte[] raw = a.bytes();
        int length;
        if (af == IpVsH.AF_INET && (raw.length == 4 || raw.length == 16)) {
            length = 4;
        } else if (af == IpVsH.AF_INET6 && raw.length == 16) {
            length = 16;
        } else {
            throw new MalformedMessageException(
                    a.offset(),
                    "an address of family " + af + " (4 or 16 bytes for AF_INET, 16 for AF_INET6)",
                    raw.length + " bytes");
        }
        try {
            return InetAddress.getByAddress(Arrays.copyOf(raw, length));
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes are always an address", e);
        }
    }

    private static InetAddress anyAddress(int af, Attribute where) {
        if (af != IpVsH.AF_INET && af != IpVsH.AF_INET6) {
            throw new MalformedMessageException(where.offset(), "IPVS_SVC_ATTR_AF AF_INET or AF_INET6", "af " + af);
        }
        try {
            return InetAddress.getByAddress(new byte[af == IpVsH.AF_INET ? 4 : 16]);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
