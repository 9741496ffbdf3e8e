package io.shoal.netlink.codec;

import io.shoal.netlink.uapi.GenetlinkH;
import java.nio.ByteBuffer;

/** {@code struct genlmsghdr}: cmd u8, version u8, reserved u16. */
public record GenlMsgHdr(int command, int version) {
    /** Bytes on the wire. */
    public static final int SIZE = GenetlinkH.GENL_HDRLEN;

    /** Appends this header to the message being built. */
    public void encode(MessageBuilder builder) {
        int at = builder.reserve(SIZE);
        ByteBuffer b = builder.buffer();
        b.put(at, (byte) command);
        b.put(at + 1, (byte) version);
    }

    /** Reads the header at the start of a message's payload. */
    public static GenlMsgHdr decode(NetlinkMessage message) {
        int at = message.requirePayload(SIZE, "genlmsghdr");
        ByteBuffer b = message.buffer();
        return new GenlMsgHdr(Byte.toUnsignedInt(b.get(at)), Byte.toUnsignedInt(b.get(at + 1)));
    }
}
