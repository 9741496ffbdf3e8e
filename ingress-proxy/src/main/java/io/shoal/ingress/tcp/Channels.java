package io.shoal.ingress.tcp;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.DuplexChannel;

/** Closing and half-closing helpers shared by both sides of a relay. */
final class Channels {
    private Channels() {}

    /** Closes {@code ch} once everything written to it so far has been flushed. */
    static void closeOnFlush(Channel ch) {
        closeOnFlush(ch, null);
    }

    /**
     * Closes {@code ch} once everything written to it so far has been flushed; {@code flushed} (if
     * not null) runs first when that flush succeeded (the bytes before it were all written: the
     * channel's writability event may not come once it is closing).
     */
    static void closeOnFlush(Channel ch, Runnable flushed) {
        if (ch != null && ch.isActive() && nothingQueued(ch)) {
            // The usual case: everything written was written. Closing at once keeps the empty
            // buffer and its promise off the relay's write path (the JIT would see a second
            // message and promise type there at every connection's end, and deoptimize it).
            if (flushed != null) {
                flushed.run();
            }
            ch.close();
        } else if (ch != null && ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                if (f.isSuccess() && flushed != null) {
                    flushed.run();
                }
                ch.close();
            });
        } else if (ch != null) {
            ch.close();
        }
    }

    /**
     * Shuts the output of {@code ch} once what was written before is flushed (a shutdown issued
     * directly would fail the writes still queued); {@code flushed} (if not null) runs when that
     * flush succeeded, before the shutdown. When its input is already shut as well, both
     * directions are done and the channel closes.
     */
    static void shutdownOutputAfterFlush(Channel ch, Runnable flushed) {
        if (!(ch instanceof DuplexChannel duplex) || !ch.isActive()) {
            closeOnFlush(ch, flushed);
            return;
        }
        if (nothingQueued(ch)) {
            if (flushed != null) {
                flushed.run();
            }
            shutdownOutput(duplex);
            return;
        }
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (!f.isSuccess()) {
                ch.close();
                return;
            }
            if (flushed != null) {
                flushed.run();
            }
            shutdownOutput(duplex);
        });
    }

    private static void shutdownOutput(DuplexChannel duplex) {
        duplex.shutdownOutput().addListener(s -> {
            if (!s.isSuccess() || duplex.isInputShutdown()) {
                duplex.close();
            }
        });
    }

    /**
     * True when nothing written to {@code ch} is still waiting to be written (a write in progress
     * stays counted until it completes). Called on the channel's event loop.
     */
    static boolean nothingQueued(Channel ch) {
        ChannelOutboundBuffer buf = ch.unsafe().outboundBuffer();
        return buf == null || buf.totalPendingWriteBytes() == 0;
    }
}
