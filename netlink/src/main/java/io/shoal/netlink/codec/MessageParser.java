package io.shoal.netlink.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a received datagram into messages, checking every {@code nlmsg_len} against what was
 * received. Never returns null; a short or garbled buffer throws {@link MalformedMessageException}.
 */
public final class MessageParser {
    private MessageParser() {}

    /** Parses the messages in {@code [from, to)} of {@code buffer}, read in host byte order. */
    public static List<NetlinkMessage> parse(ByteBuffer buffer, int from, int to) {
        List<NetlinkMessage> messages = new ArrayList<>(4);
        forEach(buffer, from, to, messages::add);
        return messages;
    }

    /** Parses all of a byte array (tests, fuzzing). */
    public static List<NetlinkMessage> parse(byte[] bytes) {
        return parse(ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()), 0, bytes.length);
    }

    /** Visits each message in {@code [from, to)} without building a list. */
    public static void forEach(ByteBuffer buffer, int from, int to, MessageVisitor visitor) {
        if (buffer.order() != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException("netlink buffers must be in native byte order");
        }
        if (from < 0 || to > buffer.limit() || from > to) {
            throw new MalformedMessageException(
                    Math.max(0, from),
                    "message region [" + from + ", " + to + ")",
                    "a buffer of " + buffer.limit() + " bytes");
        }
        if (from == to) {
            throw new MalformedMessageException(from, "nlmsghdr (16 bytes)", "an empty buffer");
        }
        int at = from;
        while (at < to) {
            NetlinkHeader header = NetlinkHeader.decode(buffer, at, to);
            int length = header.length();
            if (length < NetlinkHeader.SIZE) {
                throw new MalformedMessageException(
                        at, "nlmsg_len >= 16", "nlmsg_len " + Integer.toUnsignedString(length));
            }
            if (length > to - at) {
                throw new MalformedMessageException(
                        at,
                        "a message of nlmsg_len " + Integer.toUnsignedString(length),
                        "only " + (to - at) + " bytes left");
            }
            visitor.visit(new NetlinkMessage(buffer, at, header));
            at = (int) Math.min(to, (long) at + Align.align4(length));
        }
    }

    /** Receives each parsed message. */
    @FunctionalInterface
    public interface MessageVisitor {
        /** Called once per message, in order. */
        void visit(NetlinkMessage message);
    }
}
