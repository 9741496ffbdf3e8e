package io.shoal.netlink.codec;

import io.shoal.netlink.uapi.NfnetlinkH;
import java.nio.ByteBuffer;

/** {@code struct nfgenmsg}: nfgen_family u8, version u8, res_id be16. */
public record NfGenMsg(int family, int version, int resourceId) {
    /** Bytes on the wire. */
    public static final int SIZE = NfnetlinkH.NFGENMSG_SIZE;

    public NfGenMsg {
        if (family < 0 || family > 0xff) {
            throw new IllegalArgumentException("nfgen_family must be 0..255, was " + family);
        }
        if (version < 0 || version > 0xff) {
            throw new IllegalArgumentException("version must be 0..255, was " + version);
        }
        if (resourceId < 0 || resourceId > 0xffff) {
            throw new IllegalArgumentException("res_id must be 0..65535, was " + resourceId);
        }
    }

    /** Appends this header to the message being built ({@code res_id} in network byte order). */
    public void encode(MessageBuilder builder) {
        int at = builder.reserve(SIZE);
        ByteBuffer b = builder.buffer();
        b.put(at, (byte) family);
        b.put(at + 1, (byte) version);
        b.put(at + 2, (byte) (resourceId >>> 8));
        b.put(at + 3, (byte) resourceId);
    }

    /** Reads the header at the start of a message's payload. */
    public static NfGenMsg decode(NetlinkMessage message) {
        int at = message.requirePayload(SIZE, "nfgenmsg");
        ByteBuffer b = message.buffer();
        return new NfGenMsg(
                Byte.toUnsignedInt(b.get(at)),
                Byte.toUnsignedInt(b.get(at + 1)),
                (Byte.toUnsignedInt(b.get(at + 2)) << 8) | Byte.toUnsignedInt(b.get(at + 3)));
    }
}
