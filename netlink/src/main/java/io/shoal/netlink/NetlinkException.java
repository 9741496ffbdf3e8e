package io.shoal.netlink;

import java.util.Optional;

/**
 * The kernel refused something: a netlink request answered with {@code NLMSG_ERROR}, or a system
 * call this module made. Names the operation (for netlink: the message type and what it was for),
 * the errno symbol and its text, and the kernel's extended-ack message when it sent one.
 */
public final class NetlinkException extends RuntimeException {
    private final String operation;
    private final int errno;
    private final String kernelMessage;

    /**
     * @param operation what was asked, e.g. {@code RTM_NEWLINK create veth "a"/"b"}
     * @param errno the positive errno
     * @param kernelMessage the kernel's extended-ack text, or null
     */
    public NetlinkException(String operation, int errno, String kernelMessage) {
        super(operation + " failed: " + Errno.describe(errno) + (kernelMessage == null ? "" : ": " + kernelMessage));
        this.operation = operation;
        this.errno = errno;
        this.kernelMessage = kernelMessage;
    }

    /** What was asked. */
    public String operation() {
        return operation;
    }

    /** The positive errno, e.g. 17. */
    public int errno() {
        return errno;
    }

    /** The errno symbol, e.g. {@code EEXIST}. */
    public String errnoName() {
        return Errno.symbol(errno);
    }

    /** True when the errno is {@code e}, e.g. {@code ex.is(Errno.EEXIST)} for idempotent creates. */
    public boolean is(Errno e) {
        return e.code() == errno;
    }

    /** The kernel's extended-ack message, if it sent one. */
    public Optional<String> kernelMessage() {
        return Optional.ofNullable(kernelMessage);
    }
}
