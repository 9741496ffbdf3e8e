package io.shoal.netlink.codec;

/**
 * A netlink buffer that does not hold what its headers promise: too short, a length field out of
 * range, an attribute of the wrong size. The message names what was expected and at which offset.
 */
public final class MalformedMessageException extends RuntimeException {
    private final int offset;

    /**
     * @param offset byte offset in the buffer being parsed where the fault was found
     * @param expected what the parser expected there, e.g. "nlmsghdr (16 bytes)"
     * @param found what it found instead, e.g. "7 bytes left"
     */
    public MalformedMessageException(int offset, String expected, String found) {
        super("malformed netlink data at offset " + offset + ": expected " + expected + ", found " + found);
        this.offset = offset;
    }

    /** Byte offset in the parsed buffer where the fault was found. */
    public int offset() {
        return offset;
    }
}
