package io.shoal.dns.forward;

import io.netty.buffer.ByteBuf;

/**
 * Where the outcome of a forwarded query goes: on the forwarder's event loop, or at once on the
 * caller's thread when the answer comes from the cache.
 */
public interface ForwardCallback {
    /**
     * An upstream answered. {@code response} already carries the client's query id; the callee
     * owns it and must send or release it.
     */
    void answered(ByteBuf response);

    /**
     * No upstream answered in time (or none is configured, or too many queries are in flight).
     * {@code query} is the client's original query, borrowed: it is released after this returns.
     */
    void failed(ByteBuf query);
}
