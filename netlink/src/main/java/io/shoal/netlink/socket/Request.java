package io.shoal.netlink.socket;

import io.shoal.netlink.codec.MessageBuilder;
import java.util.Objects;

/**
 * A change request and what it is for (used in errors), for {@link NetlinkSocket#executeAll}.
 *
 * @param message the begun request; the socket adds {@code NLM_F_ACK} and the sequence number
 * @param what what the request is for, e.g. {@code replace neighbour 100.64.0.2 ...}
 */
public record Request(MessageBuilder message, String what) {
    public Request {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(what, "what");
    }
}
