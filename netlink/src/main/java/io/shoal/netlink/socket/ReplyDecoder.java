package io.shoal.netlink.socket;

import io.shoal.netlink.codec.NetlinkMessage;
import java.util.List;

/**
 * Turns a reply message into values while its bytes are still in the socket's receive buffer. The
 * message view is invalid after the call returns, so a decoder must copy what it keeps.
 */
@FunctionalInterface
public interface ReplyDecoder<T> {
    /** Decodes {@code message}, adding zero or more values to {@code out}. */
    void decode(NetlinkMessage message, List<T> out);
}
