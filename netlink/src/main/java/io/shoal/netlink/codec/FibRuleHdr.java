package io.shoal.netlink.codec;

import io.shoal.netlink.uapi.FibRulesH;
import java.nio.ByteBuffer;

/**
 * {@code struct fib_rule_hdr}: family, dst_len, src_len, tos, table, res1, res2, action (all u8),
 * then flags u32 ({@code FIB_RULE_*}). The same layout as {@code rtmsg}, with {@code action} where
 * rtmsg has its route type.
 */
public record FibRuleHdr(int family, int dstLength, int srcLength, int tos, int table, int action, int flags) {
    /** Bytes on the wire. */
    public static final int SIZE = FibRulesH.FIB_RULE_HDR_SIZE;

    /** Appends this header to the message being built. */
    public void encode(MessageBuilder builder) {
        int at = builder.reserve(SIZE);
        ByteBuffer b = builder.buffer();
        b.put(at, (byte) family);
        b.put(at + 1, (byte) dstLength);
        b.put(at + 2, (byte) srcLength);
        b.put(at + 3, (byte) tos);
        b.put(at + 4, (byte) table);
        b.put(at + 5, (byte) 0);
        b.put(at + 6, (byte) 0);
        b.put(at + 7, (byte) action);
        b.putInt(at + 8, flags);
    }

    /** Reads the header at the start of a message's payload. */
    public static FibRuleHdr decode(NetlinkMessage message) {
        int at = message.requirePayload(SIZE, "fib_rule_hdr");
        ByteBuffer b = message.buffer();
        return new FibRuleHdr(
                Byte.toUnsignedInt(b.get(at)),
                Byte.toUnsignedInt(b.get(at + 1)),
                Byte.toUnsignedInt(b.get(at + 2)),
                Byte.toUnsignedInt(b.get(at + 3)),
                Byte.toUnsignedInt(b.get(at + 4)),
                Byte.toUnsignedInt(b.get(at + 7)),
                b.getInt(at + 8));
    }
}
