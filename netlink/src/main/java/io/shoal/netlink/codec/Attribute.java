package io.shoal.netlink.codec;

import io.shoal.netlink.uapi.NetlinkH;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A view of one attribute ({@code struct nlattr}) inside a parsed buffer. Accessors check the
 * payload size and throw {@link MalformedMessageException} naming the attribute and its offset.
 * Valid only as long as the buffer it was parsed from.
 */
public final class Attribute {
    private final ByteBuffer buffer;
    private final int offset;
    private final int rawType;
    private final int length;

    Attribute(ByteBuffer buffer, int offset, int rawType, int length) {
        this.buffer = buffer;
        this.offset = offset;
        this.rawType = rawType;
        this.length = length;
    }

    /** The type without the {@code NLA_F_NESTED}/{@code NLA_F_NET_BYTEORDER} bits. */
    public int type() {
        return rawType & NetlinkH.NLA_TYPE_MASK;
    }

    /** True when the sender set {@code NLA_F_NESTED}. */
    public boolean nestedFlag() {
        return (rawType & NetlinkH.NLA_F_NESTED) != 0;
    }

    /** Offset of the attribute header in the parsed buffer. */
    public int offset() {
        return offset;
    }

    /** Payload bytes (without header and padding). */
    public int payloadLength() {
        return length - NetlinkH.NLA_HDRLEN;
    }

    private int payload() {
        return offset + NetlinkH.NLA_HDRLEN;
    }

    private void expectLength(String what, int expected) {
        if (payloadLength() != expected) {
            throw new MalformedMessageException(
                    offset,
                    "attribute " + type() + " as " + what + " (" + expected + " bytes)",
                    payloadLength() + " bytes");
        }
    }

    /** The payload as an unsigned byte. */
    public int u8() {
        expectLength("u8", 1);
        return Byte.toUnsignedInt(buffer.get(payload()));
    }

    /** The payload as an unsigned 16-bit value in host byte order. */
    public int u16() {
        expectLength("u16", 2);
        return Short.toUnsignedInt(buffer.getShort(payload()));
    }

    /** The payload as an unsigned 16-bit value in network byte order. */
    public int u16Be() {
        expectLength("u16 (big-endian)", 2);
        return (Byte.toUnsignedInt(buffer.get(payload())) << 8) | Byte.toUnsignedInt(buffer.get(payload() + 1));
    }

    /** The payload as a 32-bit value in host byte order (use {@link Integer#toUnsignedLong}). */
    public int u32() {
        expectLength("u32", 4);
        return buffer.getInt(payload());
    }

    /** The payload as a 32-bit value in network byte order. */
    public int u32Be() {
        expectLength("u32 (big-endian)", 4);
        int p = payload();
        return (Byte.toUnsignedInt(buffer.get(p)) << 24)
                | (Byte.toUnsignedInt(buffer.get(p + 1)) << 16)
                | (Byte.toUnsignedInt(buffer.get(p + 2)) << 8)
                | Byte.toUnsignedInt(buffer.get(p + 3));
    }

    /** The payload as a 64-bit value in host byte order. */
    public long u64() {
        expectLength("u64", 8);
        return buffer.getLong(payload());
    }

    /** The payload as a string, up to the first NUL (the kernel terminates names with one). */
    public String string() {
        int p = payload();
        int end = p + payloadLength();
        int nul = p;
        while (nul < end && buffer.get(nul) != 0) {
            nul++;
        }
        byte[] bytes = new byte[nul - p];
        buffer.get(p, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A copy of the payload. */
    public byte[] bytes() {
        byte[] bytes = new byte[payloadLength()];
        buffer.get(payload(), bytes);
        return bytes;
    }

    /** The payload as an IPv4 (4 bytes) or IPv6 (16 bytes) address. */
    public InetAddress address() {
        int n = payloadLength();
        if (n != 4 && n != 16) {
            throw new MalformedMessageException(
                    offset, "attribute " + type() + " as an IP address (4 or 16 bytes)", n + " bytes");
        }
        try {
            return InetAddress.getByAddress(bytes());
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes are always an address", e);
        }
    }

    /** The attributes nested in this one. */
    public Attributes nested() {
        return Attributes.parse(buffer, payload(), payload() + payloadLength());
    }

    /**
     * The attributes nested in this one after a fixed header of {@code skip} bytes (e.g. a veth peer's
     * ifinfomsg).
     */
    public Attributes nested(int skip) {
        if (skip > payloadLength()) {
            throw new MalformedMessageException(
                    offset, "attribute " + type() + " with a " + skip + "-byte header", payloadLength() + " bytes");
        }
        return Attributes.parse(buffer, payload() + skip, payload() + payloadLength());
    }

    /** A read-only view of the payload, for family headers nested in attributes. */
    public ByteBuffer payloadView() {
        return buffer.duplicate()
                .position(payload())
                .limit(payload() + payloadLength())
                .slice()
                .order(buffer.order())
                .asReadOnlyBuffer()
                .order(buffer.order());
    }

    @Override
    public String toString() {
        return "Attribute[type=" + type() + ", payload=" + payloadLength() + " bytes @" + offset + "]";
    }
}
