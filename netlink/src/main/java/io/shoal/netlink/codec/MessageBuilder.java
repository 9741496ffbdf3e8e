package io.shoal.netlink.codec;

import io.shoal.netlink.uapi.NetlinkH;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Writes one netlink request: a header, a family header, then attributes (nested ones with
 * {@link #beginNested}/{@link #endNested}). Values are in host byte order except the {@code Be}
 * variants and addresses, which are in network byte order as the kernel expects for e.g.
 * {@code IFLA_VXLAN_PORT}. Every attribute is padded to 4 bytes.
 *
 * <p>The builder grows as needed and can be {@link #reset} and reused for the next request. Not
 * thread-safe.
 */
public final class MessageBuilder {
    private static final int MAX_ATTRIBUTE_LENGTH = 0xffff;

    private ByteBuffer buffer;
    private int start = -1;
    private int nestingDepth;

    /** A builder with an initial capacity of 256 bytes. */
    public MessageBuilder() {
        this(256);
    }

    /** A builder with the given initial capacity in bytes. */
    public MessageBuilder(int initialCapacity) {
        if (initialCapacity < NetlinkHeader.SIZE) {
            throw new IllegalArgumentException("initialCapacity must be >= 16, was " + initialCapacity);
        }
        buffer = ByteBuffer.allocate(initialCapacity).order(ByteOrder.nativeOrder());
    }

    /** Forgets the current message so the builder can write another one. */
    public MessageBuilder reset() {
        buffer.clear();
        start = -1;
        nestingDepth = 0;
        return this;
    }

    /**
     * Starts a message: writes a {@code nlmsghdr} whose length is filled in by {@link #finish}.
     *
     * @param type message type, e.g. {@code RTM_NEWLINK} or a generic-netlink family id
     * @param flags {@code NLM_F_*} flags; {@code NLM_F_REQUEST} is added
     */
    public MessageBuilder begin(int type, int flags) {
        if (start >= 0) {
            throw new IllegalStateException("a message is already begun; call finish() or reset()");
        }
        checkU16("message type", type);
        checkU16("message flags", flags);
        reset();
        start = 0;
        ensure(NetlinkHeader.SIZE);
        new NetlinkHeader(0, type, flags | NetlinkH.NLM_F_REQUEST, 0, 0).encode(buffer, 0);
        buffer.position(NetlinkHeader.SIZE);
        return this;
    }

    /** Appends raw bytes of a fixed family header; the caller pads to 4 bytes (all uapi headers are). */
    public MessageBuilder putStructBytes(int length) {
        requireBegun();
        ensure(length);
        for (int i = 0; i < length; i++) {
            buffer.put((byte) 0);
        }
        return this;
    }

    /** The underlying buffer, for family headers that write their fields at absolute offsets. */
    ByteBuffer buffer() {
        return buffer;
    }

    /** Reserves {@code length} zeroed bytes and returns their absolute offset. */
    int reserve(int length) {
        int at = buffer.position();
        putStructBytes(length);
        return at;
    }

    /** Writes an 8-bit unsigned attribute. */
    public MessageBuilder putU8(int type, int value) {
        checkRange("u8 attribute " + type, value, 0, 0xff);
        int at = attributeHeader(type, 1);
        buffer.put(at, (byte) value);
        return this;
    }

    /** Writes a 16-bit unsigned attribute in host byte order. */
    public MessageBuilder putU16(int type, int value) {
        checkU16("u16 attribute " + type, value);
        int at = attributeHeader(type, 2);
        buffer.putShort(at, (short) value);
        return this;
    }

    /** Writes a 16-bit unsigned attribute in network byte order (e.g. {@code IFLA_VXLAN_PORT}). */
    public MessageBuilder putU16Be(int type, int value) {
        checkU16("u16 attribute " + type, value);
        int at = attributeHeader(type, 2);
        buffer.put(at, (byte) (value >>> 8));
        buffer.put(at + 1, (byte) value);
        return this;
    }

    /** Writes a 32-bit attribute in host byte order (unsigned values up to 2^32-1 pass as int bits). */
    public MessageBuilder putU32(int type, int value) {
        int at = attributeHeader(type, 4);
        buffer.putInt(at, value);
        return this;
    }

    /** Writes a 32-bit attribute in network byte order. */
    public MessageBuilder putU32Be(int type, int value) {
        int at = attributeHeader(type, 4);
        buffer.put(at, (byte) (value >>> 24));
        buffer.put(at + 1, (byte) (value >>> 16));
        buffer.put(at + 2, (byte) (value >>> 8));
        buffer.put(at + 3, (byte) value);
        return this;
    }

    /** Writes a 64-bit attribute in host byte order. */
    public MessageBuilder putU64(int type, long value) {
        int at = attributeHeader(type, 8);
        buffer.putLong(at, value);
        return this;
    }

    /** Writes a NUL-terminated string attribute (e.g. {@code IFLA_IFNAME}). */
    public MessageBuilder putString(int type, String value) {
        Objects.requireNonNull(value, "string attribute value");
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            if (b == 0) {
                throw new IllegalArgumentException("string attribute " + type + " contains a NUL byte");
            }
        }
        int at = attributeHeader(type, bytes.length + 1);
        buffer.put(at, bytes);
        buffer.put(at + bytes.length, (byte) 0);
        return this;
    }

    /** Writes an attribute carrying the bytes as they are (MAC addresses, opaque payloads). */
    public MessageBuilder putBytes(int type, byte[] value) {
        Objects.requireNonNull(value, "bytes attribute value");
        int at = attributeHeader(type, value.length);
        buffer.put(at, value);
        return this;
    }

    /** Writes an attribute with no payload (a flag). */
    public MessageBuilder putFlag(int type) {
        attributeHeader(type, 0);
        return this;
    }

    /** Writes an IPv4 or IPv6 address (4 or 16 bytes, network byte order). */
    public MessageBuilder putAddress(int type, InetAddress address) {
        Objects.requireNonNull(address, "address attribute value");
        return putBytes(type, address.getAddress());
    }

    /** Writes an IPv4 address, rejecting IPv6 where the kernel wants 4 bytes. */
    public MessageBuilder putIpv4(int type, InetAddress address) {
        if (!(address instanceof Inet4Address)) {
            throw new IllegalArgumentException("attribute " + type + " needs an IPv4 address, got " + address);
        }
        return putBytes(type, address.getAddress());
    }

    /** Writes an IPv6 address, rejecting IPv4 where the kernel wants 16 bytes. */
    public MessageBuilder putIpv6(int type, InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            throw new IllegalArgumentException("attribute " + type + " needs an IPv6 address, got " + address);
        }
        return putBytes(type, address.getAddress());
    }

    /**
     * Opens a nested attribute ({@code NLA_F_NESTED} set); attributes written until the matching
     * {@link #endNested} go inside it.
     *
     * @return a token to pass to {@link #endNested}
     */
    public int beginNested(int type) {
        int at = attributeHeader(type | NetlinkH.NLA_F_NESTED, 0) - NetlinkH.NLA_HDRLEN;
        nestingDepth++;
        return at;
    }

    /**
     * Opens a nested attribute without {@code NLA_F_NESTED}, for the few the kernel parses as plain
     * bytes and whose policy would reject the flag.
     */
    public int beginNestedUnflagged(int type) {
        int at = attributeHeader(type, 0) - NetlinkH.NLA_HDRLEN;
        nestingDepth++;
        return at;
    }

    /** Closes the nested attribute opened with the token from {@link #beginNested}. */
    public MessageBuilder endNested(int token) {
        if (nestingDepth == 0 || token < NetlinkHeader.SIZE || token >= buffer.position()) {
            throw new IllegalStateException("endNested(" + token + ") without a matching beginNested");
        }
        int length = buffer.position() - token;
        if (length > MAX_ATTRIBUTE_LENGTH) {
            throw new IllegalArgumentException("nested attribute is " + length + " bytes, max 65535");
        }
        buffer.putShort(token, (short) length);
        nestingDepth--;
        return this;
    }

    /** Overwrites the sequence number of the begun or finished message. */
    public MessageBuilder sequence(int sequence) {
        requireBegun();
        buffer.putInt(8, sequence);
        return this;
    }

    /** Adds {@code NLM_F_*} flags to the begun message's header. */
    public MessageBuilder addFlags(int flags) {
        requireBegun();
        checkU16("message flags", flags);
        buffer.putShort(6, (short) (flags() | flags));
        return this;
    }

    /** The message type written by {@link #begin}. */
    public int type() {
        requireBegun();
        return Short.toUnsignedInt(buffer.getShort(4));
    }

    /** The flags written by {@link #begin}. */
    public int flags() {
        requireBegun();
        return Short.toUnsignedInt(buffer.getShort(6));
    }

    /**
     * Fills in the message length and returns a read-only view of the message, valid until the next
     * {@link #reset} or {@link #begin}.
     */
    public ByteBuffer finish() {
        requireBegun();
        if (nestingDepth != 0) {
            throw new IllegalStateException(nestingDepth + " nested attribute(s) not closed");
        }
        int length = buffer.position();
        buffer.putInt(0, length);
        return buffer.duplicate().position(0).limit(length).slice().order(ByteOrder.nativeOrder());
    }

    /** Bytes written so far. */
    public int length() {
        return buffer.position();
    }

    private int attributeHeader(int type, int payloadLength) {
        requireBegun();
        checkU16("attribute type", type);
        int length = NetlinkH.NLA_HDRLEN + payloadLength;
        if (length > MAX_ATTRIBUTE_LENGTH) {
            throw new IllegalArgumentException("attribute " + type + " is " + length + " bytes, max 65535");
        }
        int padded = Align.align4(length);
        ensure(padded);
        int at = buffer.position();
        buffer.putShort(at, (short) length);
        buffer.putShort(at + 2, (short) type);
        for (int i = at + length; i < at + padded; i++) {
            buffer.put(i, (byte) 0);
        }
        buffer.position(at + padded);
        return at + NetlinkH.NLA_HDRLEN;
    }

    private void ensure(int more) {
        if (buffer.remaining() >= more) {
            return;
        }
        int needed = buffer.position() + more;
        int capacity = Math.max(needed, buffer.capacity() * 2);
        ByteBuffer bigger = ByteBuffer.allocate(capacity).order(ByteOrder.nativeOrder());
        int position = buffer.position();
        bigger.put(buffer.duplicate().position(0).limit(position));
        buffer = bigger;
    }

    private void requireBegun() {
        if (start < 0) {
            throw new IllegalStateException("no message begun; call begin(type, flags) first");
        }
    }

    private static void checkU16(String what, int value) {
        checkRange(what, value, 0, 0xffff);
    }

    private static void checkRange(String what, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(what + " must be in [" + min + ", " + max + "], was " + value);
        }
    }
}
