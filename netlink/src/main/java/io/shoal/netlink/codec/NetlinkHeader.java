package io.shoal.netlink.codec;

import io.shoal.netlink.uapi.NetlinkH;
import java.nio.ByteBuffer;

/**
 * {@code struct nlmsghdr}: total length (header included), type, flags, sequence number and port id.
 *
 * @param length {@code nlmsg_len}, bytes of the whole message including this header
 * @param type {@code nlmsg_type}, a control type ({@code NLMSG_*}) or a family's message type
 * @param flags {@code nlmsg_flags}, {@code NLM_F_*}
 * @param sequence {@code nlmsg_seq}, matched between a request and its replies
 * @param portId {@code nlmsg_pid}, 0 for messages from the kernel
 */
public record NetlinkHeader(int length, int type, int flags, int sequence, int portId) {
    /** Bytes of the header on the wire. */
    public static final int SIZE = NetlinkH.NLMSG_HDRLEN;

    /**
     * Reads a header at an absolute offset of {@code buffer} (native byte order), checking only that
     * 16 bytes are there; {@link MessageParser} checks the length against the buffer.
     */
    public static NetlinkHeader decode(ByteBuffer buffer, int offset, int limit) {
        if (limit - offset < SIZE) {
            throw new MalformedMessageException(offset, "nlmsghdr (16 bytes)", (limit - offset) + " bytes left");
        }
        return new NetlinkHeader(
                buffer.getInt(offset),
                Short.toUnsignedInt(buffer.getShort(offset + 4)),
                Short.toUnsignedInt(buffer.getShort(offset + 6)),
                buffer.getInt(offset + 8),
                buffer.getInt(offset + 12));
    }

    /** Writes this header at an absolute offset (native byte order). */
    public void encode(ByteBuffer buffer, int offset) {
        buffer.putInt(offset, length);
        buffer.putShort(offset + 4, (short) type);
        buffer.putShort(offset + 6, (short) flags);
        buffer.putInt(offset + 8, sequence);
        buffer.putInt(offset + 12, portId);
    }

    /** True when {@code flag} bits are all set. */
    public boolean hasFlags(int flag) {
        return (flags & flag) == flag;
    }
}
