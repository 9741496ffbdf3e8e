package io.shoal.netlink.codec;

import io.shoal.netlink.uapi.IfLinkH;
import java.nio.ByteBuffer;

/**
 * {@code struct ifinfomsg}: family u8, pad u8, type u16 (ARPHRD_*), index s32, flags u32 (IFF_*),
 * change u32 (which flags to change).
 */
public record IfInfoMsg(int family, int type, int index, int flags, int change) {
    /** Bytes on the wire. */
    public static final int SIZE = IfLinkH.IFINFOMSG_SIZE;

    /** A header that selects a link by index (0: by name or new), changing no flags. */
    public static IfInfoMsg ofIndex(int index) {
        return new IfInfoMsg(0, 0, index, 0, 0);
    }

    /** Appends this header to the message being built. */
    public void encode(MessageBuilder builder) {
        int at = builder.reserve(SIZE);
        ByteBuffer b = builder.buffer();
        b.put(at, (byte) family);
        b.putShort(at + 2, (short) type);
        b.putInt(at + 4, index);
        b.putInt(at + 8, flags);
        b.putInt(at + 12, change);
    }

    /** Reads the header at the start of a message's payload. */
    public static IfInfoMsg decode(NetlinkMessage message) {
        return decode(message.buffer(), message.requirePayload(SIZE, "ifinfomsg"));
    }

    /** Reads the header at an absolute offset the caller checked holds 16 bytes. */
    static IfInfoMsg decode(ByteBuffer b, int at) {
        return new IfInfoMsg(
                Byte.toUnsignedInt(b.get(at)),
                Short.toUnsignedInt(b.getShort(at + 2)),
                b.getInt(at + 4),
                b.getInt(at + 8),
                b.getInt(at + 12));
    }
}
