package io.shoal.ingress.tcp;

import io.netty.channel.WriteBufferWaterMark;

/** Channel settings both sides of a relay share. */
final class Relay {
    private Relay() {}

    /**
     * A water mark of one byte: a channel is unwritable while anything it was given is unwritten
     * (Netty counts at least its per-message overhead for every queued message) and writable again
     * when all of it is written, so writability tracks the one chunk in flight.
     */
    static final WriteBufferWaterMark ONE_CHUNK = new WriteBufferWaterMark(1, 1);
}
