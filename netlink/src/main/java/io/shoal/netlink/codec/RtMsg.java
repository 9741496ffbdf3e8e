package io.shoal.netlink.codec;

import io.shoal.netlink.uapi.RtnetlinkH;
import java.nio.ByteBuffer;

/**
 * {@code struct rtmsg}: family, dst_len, src_len, tos, table, protocol, scope, type (all u8), then
 * flags u32 (RTM_F_* and, per next hop, RTNH_F_*).
 */
public record RtMsg(
        int family, int dstLength, int srcLength, int tos, int table, int protocol, int scope, int type, int flags) {
    /** Bytes on the wire. */
    public static final int SIZE = RtnetlinkH.RTMSG_SIZE;

    /** Appends this header to the message being built. */
    public void encode(MessageBuilder builder) {
        int at = builder.reserve(SIZE);
        ByteBuffer b = builder.buffer();
        b.put(at, (byte) family);
        b.put(at + 1, (byte) dstLength);
        b.put(at + 2, (byte) srcLength);
        b.put(at + 3, (byte) tos);
        b.put(at + 4, (byte) table);
        b.put(at + 5, (byte) protocol);
        b.put(at + 6, (byte) scope);
        b.put(at + 7, (byte) type);
        b.putInt(at + 8, flags);
    }

    /** Reads the header at the start of a message's payload. */
    public static RtMsg decode(NetlinkMessage message) {
        int at = message.requirePayload(SIZE, "rtmsg");
        ByteBuffer b = message.buffer();
        return new RtMsg(
                Byte.toUnsignedInt(b.get(at)),
                Byte.toUnsignedInt(b.get(at + 1)),
                Byte.toUnsignedInt(b.get(at + 2)),
                Byte.toUnsignedInt(b.get(at + 3)),
                Byte.toUnsignedInt(b.get(at + 4)),
                Byte.toUnsignedInt(b.get(at + 5)),
                Byte.toUnsignedInt(b.get(at + 6)),
                Byte.toUnsignedInt(b.get(at + 7)),
                b.getInt(at + 8));
    }
}
