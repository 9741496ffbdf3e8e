package io.shoal.balancer.ipvs;

import io.shoal.netlink.codec.GenlMsgHdr;
import io.shoal.netlink.codec.MessageBuilder;
import java.net.InetAddress;

/**
 * Builds the IPVS generic-netlink requests, laid out as {@code include/uapi/linux/ip_vs.h} and
 * {@code net/netfilter/ipvs/ip_vs_ctl.c} expect them. Pure: no socket, so every message is
 * unit-tested byte for byte. The socket adds {@code NLM_F_ACK}/{@code NLM_F_DUMP} and the
 * sequence number.
 *
 * <p>Layout choices, each what the kernel parser needs:
 *
 * <ul>
 *   <li>addresses are always 16 bytes ({@code union nf_inet_addr}, IPv4 in the first four), as the
 *       kernel sends them in dumps and {@code ipvsadm} sends them;
 *   <li>ports are big-endian ({@code __be16}); everything else is host order;
 *   <li>NEW/SET_SERVICE carry the full entry (scheduler, flags, timeout, netmask are all required
 *       then); DEL_SERVICE and the service inside a destination command carry only the key;
 *   <li>flags go with mask {@code 0xffffffff}: the kernel then takes our flags as the whole set;
 *   <li>nested attributes carry {@code NLA_F_NESTED}; the IPVS policy declares them NLA_NESTED,
 *       which accepts the flag.
 * </ul>
 */
public final class IpvsMessages {
    private static final int ALL_FLAGS = 0xffffffff;
    private static final int ADDRESS_BYTES = 16;

    private final int familyId;

    /** @param familyId the message type the controller gave the {@code IPVS} family */
    public IpvsMessages(int familyId) {
        if (familyId < 0x10 || familyId > 0xffff) {
            throw new IllegalArgumentException(
                    "familyId must be a generic-netlink family id 16..65535, was " + familyId);
        }
        this.familyId = familyId;
    }

    /** {@code IPVS_CMD_NEW_SERVICE}: adds a service (its destinations come separately). */
    public MessageBuilder newService(IpvsService service) {
        return serviceCommand(IpVsH.IPVS_CMD_NEW_SERVICE, service);
    }

    /** {@code IPVS_CMD_SET_SERVICE}: changes scheduler, flags, timeout or netmask of a service. */
    public MessageBuilder setService(IpvsService service) {
        return serviceCommand(IpVsH.IPVS_CMD_SET_SERVICE, service);
    }

    /** {@code IPVS_CMD_DEL_SERVICE}: removes a service and all its destinations. */
    public MessageBuilder delService(IpvsServiceKey key) {
        MessageBuilder b = begin(IpVsH.IPVS_CMD_DEL_SERVICE);
        int nest = b.beginNested(IpVsH.IPVS_CMD_ATTR_SERVICE);
        putServiceKey(b, key);
        return b.endNested(nest);
    }

    /** {@code IPVS_CMD_GET_SERVICE} as a dump request: every service of the namespace. */
    public MessageBuilder dumpServices() {
        return begin(IpVsH.IPVS_CMD_GET_SERVICE);
    }

    /** {@code IPVS_CMD_NEW_DEST}: adds a destination to the service {@code key}. */
    public MessageBuilder newDest(IpvsServiceKey key, IpvsDestination dest) {
        return destCommand(IpVsH.IPVS_CMD_NEW_DEST, key, dest, true);
    }

    /** {@code IPVS_CMD_SET_DEST}: changes a destination's weight, method or thresholds. */
    public MessageBuilder setDest(IpvsServiceKey key, IpvsDestination dest) {
        return destCommand(IpVsH.IPVS_CMD_SET_DEST, key, dest, true);
    }

    /** {@code IPVS_CMD_DEL_DEST}: removes a destination (only its address and port are sent). */
    public MessageBuilder delDest(IpvsServiceKey key, IpvsDestination.Key dest) {
        return destCommand(IpVsH.IPVS_CMD_DEL_DEST, key, IpvsDestination.masq(dest.address(), dest.port(), 0), false);
    }

    /** {@code IPVS_CMD_GET_DEST} as a dump request: the destinations of service {@code key}. */
    public MessageBuilder dumpDests(IpvsServiceKey key) {
        MessageBuilder b = begin(IpVsH.IPVS_CMD_GET_DEST);
        int nest = b.beginNested(IpVsH.IPVS_CMD_ATTR_SERVICE);
        putServiceKey(b, key);
        return b.endNested(nest);
    }

    /** {@code IPVS_CMD_GET_INFO}: version and connection table size. */
    public MessageBuilder getInfo() {
        return begin(IpVsH.IPVS_CMD_GET_INFO);
    }

    /** {@code IPVS_CMD_GET_CONFIG}: the namespace's timeouts. */
    public MessageBuilder getConfig() {
        return begin(IpVsH.IPVS_CMD_GET_CONFIG);
    }

    /** {@code IPVS_CMD_SET_CONFIG}: the namespace's timeouts (0 keeps a value). */
    public MessageBuilder setConfig(IpvsConfig config) {
        MessageBuilder b = begin(IpVsH.IPVS_CMD_SET_CONFIG);
        b.putU32(IpVsH.IPVS_CMD_ATTR_TIMEOUT_TCP, config.tcp());
        b.putU32(IpVsH.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, config.tcpFin());
        b.putU32(IpVsH.IPVS_CMD_ATTR_TIMEOUT_UDP, config.udp());
        return b;
    }

    /** {@code IPVS_CMD_FLUSH}: removes every service of the namespace. */
    public MessageBuilder flush() {
        return begin(IpVsH.IPVS_CMD_FLUSH);
    }

    private MessageBuilder serviceCommand(int command, IpvsService service) {
        MessageBuilder b = begin(command);
        int nest = b.beginNested(IpVsH.IPVS_CMD_ATTR_SERVICE);
        putServiceKey(b, service.key());
        b.putString(IpVsH.IPVS_SVC_ATTR_SCHED_NAME, service.scheduler());
        b.putBytes(IpVsH.IPVS_SVC_ATTR_FLAGS, flagsStruct(service.flags()));
        b.putU32(IpVsH.IPVS_SVC_ATTR_TIMEOUT, service.timeout());
        b.putU32(IpVsH.IPVS_SVC_ATTR_NETMASK, service.netmask());
        return b.endNested(nest);
    }

    private MessageBuilder destCommand(int command, IpvsServiceKey key, IpvsDestination dest, boolean full) {
        if (dest.family() != key.family()) {
            throw new IllegalArgumentException("destination " + dest.key() + " is not of the family of service " + key
                    + " (mixed families are not used)");
        }
        MessageBuilder b = begin(command);
        int svc = b.beginNested(IpVsH.IPVS_CMD_ATTR_SERVICE);
        putServiceKey(b, key);
        b.endNested(svc);
        int d = b.beginNested(IpVsH.IPVS_CMD_ATTR_DEST);
        b.putBytes(IpVsH.IPVS_DEST_ATTR_ADDR, address16(dest.address()));
        b.putU16Be(IpVsH.IPVS_DEST_ATTR_PORT, dest.port());
        if (full) {
            b.putU32(IpVsH.IPVS_DEST_ATTR_FWD_METHOD, dest.forwardMethod());
            b.putU32(IpVsH.IPVS_DEST_ATTR_WEIGHT, dest.weight());
            b.putU32(IpVsH.IPVS_DEST_ATTR_U_THRESH, dest.upperThreshold());
            b.putU32(IpVsH.IPVS_DEST_ATTR_L_THRESH, dest.lowerThreshold());
        }
        b.putU16(IpVsH.IPVS_DEST_ATTR_ADDR_FAMILY, dest.family());
        return b.endNested(d);
    }

    private static void putServiceKey(MessageBuilder b, IpvsServiceKey key) {
        b.putU16(IpVsH.IPVS_SVC_ATTR_AF, key.family());
        if (key.fwmark() != 0) {
            // The kernel takes a fwmark service when FWMARK is present and ignores protocol/addr/port.
            b.putU32(IpVsH.IPVS_SVC_ATTR_FWMARK, key.fwmark());
            return;
        }
        b.putU16(IpVsH.IPVS_SVC_ATTR_PROTOCOL, key.protocol());
        b.putBytes(IpVsH.IPVS_SVC_ATTR_ADDR, address16(key.address()));
        b.putU16Be(IpVsH.IPVS_SVC_ATTR_PORT, key.port());
    }

    private MessageBuilder begin(int command) {
        MessageBuilder b = new MessageBuilder().begin(familyId, 0);
        new GenlMsgHdr(command, IpVsH.IPVS_GENL_VERSION).encode(b);
        return b;
    }

    /** {@code struct ip_vs_flags} in host order: flags, then mask. */
    private static byte[] flagsStruct(int flags) {
        java.nio.ByteBuffer s = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder());
        s.putInt(flags).putInt(ALL_FLAGS);
        return s.array();
    }

    /** {@code union nf_inet_addr}: 16 bytes, an IPv4 address in the first four. */
    static byte[] address16(InetAddress address) {
        byte[] out = new byte[ADDRESS_BYTES];
        byte[] raw = address.getAddress();
        System.arraycopy(raw, 0, out, 0, raw.length);
        return out;
    }
}
