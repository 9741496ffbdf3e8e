package io.shoal.ingress.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend side of a relay: what the task sends goes to the client; the next read from the task
 * is issued only when the client accepted the previous chunk. The byte accounting and the reads
 * live in the {@link TcpFrontendHandler} of the same connection (same event loop); this handler
 * passes the backend channel's events to it.
 */
final class TcpBackendHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(TcpBackendHandler.class);

    private final TcpFrontendHandler relay;

    TcpBackendHandler(TcpFrontendHandler relay) {
        this.relay = relay;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        relay.relayToClient((ByteBuf) msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Last handler: no one after it to tell.
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        relay.backendWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // The task finished sending: pass the FIN on once its bytes are out.
            if (relay.backendInputShut() && ((DuplexChannel) ctx.channel()).isOutputShutdown()) {
                ctx.close();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        relay.backendInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("backend {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
