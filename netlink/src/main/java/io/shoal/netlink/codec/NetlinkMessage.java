package io.shoal.netlink.codec;

import io.shoal.netlink.uapi.NetlinkH;
import java.nio.ByteBuffer;

/**
 * A view of one message found by {@link MessageParser}: its header, and where its payload lies in
 * the parsed buffer. Valid only as long as that buffer is not reused.
 */
public final class NetlinkMessage {
    private final ByteBuffer buffer;
    private final int offset;
    private final NetlinkHeader header;

    NetlinkMessage(ByteBuffer buffer, int offset, NetlinkHeader header) {
        this.buffer = buffer;
        this.offset = offset;
        this.header = header;
    }

    /** The message header. */
    public NetlinkHeader header() {
        return header;
    }

    /** {@code nlmsg_type}. */
    public int type() {
        return header.type();
    }

    /** Offset of the message's header in the parsed buffer. */
    public int offset() {
        return offset;
    }

    /** Absolute offset of the payload (right after the 16-byte header). */
    public int payloadOffset() {
        return offset + NetlinkHeader.SIZE;
    }

    /** Payload bytes. */
    public int payloadLength() {
        return header.length() - NetlinkHeader.SIZE;
    }

    /** Absolute offset just past this message's payload. */
    public int end() {
        return offset + header.length();
    }

    /** The buffer this message was parsed from (native byte order; read with absolute offsets). */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** True for {@code NLMSG_ERROR} (errors and acks). */
    public boolean isError() {
        return header.type() == NetlinkH.NLMSG_ERROR;
    }

    /** True for {@code NLMSG_DONE}. */
    public boolean isDone() {
        return header.type() == NetlinkH.NLMSG_DONE;
    }

    /**
     * Checks that the payload holds a family header of {@code size} bytes.
     *
     * @param what the header's name for the error message, e.g. "ifinfomsg"
     * @return the absolute offset of that header
     */
    public int requirePayload(int size, String what) {
        if (payloadLength() < size) {
            throw new MalformedMessageException(
                    payloadOffset(), what + " (" + size + " bytes)", payloadLength() + " bytes of payload");
        }
        return payloadOffset();
    }

    /** The attributes following a family header of {@code familyHeaderSize} bytes. */
    public Attributes attributes(int familyHeaderSize, String familyHeaderName) {
        requirePayload(familyHeaderSize, familyHeaderName);
        int from = payloadOffset() + Align.align4(familyHeaderSize);
        return Attributes.parse(buffer, Math.min(from, end()), end());
    }

    /** This message as an error or acknowledgement. */
    public ErrorMessage error() {
        return ErrorMessage.decode(this);
    }

    /**
     * The status carried by an {@code NLMSG_DONE}: 0, or a negative errno when the dump failed. An
     * empty payload (old kernels) counts as 0.
     */
    public int doneStatus() {
        if (payloadLength() == 0) {
            return 0;
        }
        return buffer.getInt(requirePayload(4, "NLMSG_DONE status (int)"));
    }

    @Override
    public String toString() {
        return "NetlinkMessage" + header;
    }
}
