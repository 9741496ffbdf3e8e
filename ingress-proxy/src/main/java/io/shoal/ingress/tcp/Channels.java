package io.shoal.ingress.tcp;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
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
        if (ch != null && ch.isActive()) {
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
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (!f.isSuccess()) {
                ch.close();
                return;
            }
            if (flushed != null) {
                flushed.run();
            }
            duplex.shutdownOutput().addListener(s -> {
                if (!s.isSuccess() || duplex.isInputShutdown()) {
                    ch.close();
                }
            });
        });
    }
}
