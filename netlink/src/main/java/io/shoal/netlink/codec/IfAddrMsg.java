package io.shoal.netlink.codec;

import io.shoal.netlink.uapi.IfAddrH;
import java.nio.ByteBuffer;

/**
 * {@code struct ifaddrmsg}: family u8, prefixlen u8, flags u8 (IFA_F_*), scope u8 (RT_SCOPE_*),
 * index u32.
 */
public record IfAddrMsg(int family, int prefixLength, int flags, int scope, int index) {
    /** Bytes on the wire. */
    public static final int SIZE = IfAddrH.IFADDRMSG_SIZE;

    /** Appends this header to the message being built. */
    public void encode(MessageBuilder builder) {
        int at = builder.reserve(SIZE);
        ByteBuffer b = builder.buffer();
        b.put(at, (byte) family);
        b.put(at + 1, (byte) prefixLength);
        b.put(at + 2, (byte) flags);
        b.put(at + 3, (byte) scope);
        b.putInt(at + 4, index);
    }

    /** Reads the header at the start of a message's payload. */
    public static IfAddrMsg decode(NetlinkMessage message) {
        int at = message.requirePayload(SIZE, "ifaddrmsg");
        ByteBuffer b = message.buffer();
        return new IfAddrMsg(
                Byte.toUnsignedInt(b.get(at)),
                Byte.toUnsignedInt(b.get(at + 1)),
                Byte.toUnsignedInt(b.get(at + 2)),
                Byte.toUnsignedInt(b.get(at + 3)),
                b.getInt(at + 4));
    }
}
