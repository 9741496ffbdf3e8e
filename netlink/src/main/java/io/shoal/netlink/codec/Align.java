package io.shoal.netlink.codec;

/** Netlink alignment: messages and attributes start on 4-byte boundaries. */
public final class Align {
    private Align() {}

    /** {@code NLMSG_ALIGN} / {@code NLA_ALIGN}: rounds {@code length} up to a multiple of 4. */
    public static int align4(int length) {
        return (length + 3) & ~3;
    }
}
