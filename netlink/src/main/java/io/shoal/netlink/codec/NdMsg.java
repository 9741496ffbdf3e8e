package io.shoal.netlink.codec;

import io.shoal.netlink.uapi.NeighbourH;
import java.nio.ByteBuffer;

/**
 * {@code struct ndmsg}: family u8, pad u8, pad u16, ifindex s32, state u16 (NUD_*), flags u8
 * (NTF_*), type u8.
 */
public record NdMsg(int family, int ifindex, int state, int flags, int type) {
    /** Bytes on the wire. */
    public static final int SIZE = NeighbourH.NDMSG_SIZE;

    /** Appends this header to the message being built. */
    public void encode(MessageBuilder builder) {
        int at = builder.reserve(SIZE);
        ByteBuffer b = builder.buffer();
        b.put(at, (byte) family);
        b.putInt(at + 4, ifindex);
        b.putShort(at + 8, (short) state);
        b.put(at + 10, (byte) flags);
        b.put(at + 11, (byte) type);
    }

    /** Reads the header at the start of a message's payload. */
    public static NdMsg decode(NetlinkMessage message) {
        int at = message.requirePayload(SIZE, "ndmsg");
        ByteBuffer b = message.buffer();
        return new NdMsg(
                Byte.toUnsignedInt(b.get(at)),
                b.getInt(at + 4),
                Short.toUnsignedInt(b.getShort(at + 8)),
                Byte.toUnsignedInt(b.get(at + 10)),
                Byte.toUnsignedInt(b.get(at + 11)));
    }
}
