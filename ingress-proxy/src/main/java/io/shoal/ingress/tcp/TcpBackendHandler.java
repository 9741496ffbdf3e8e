package io.shoal.ingress.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.shoal.ingress.metrics.PortMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend side of a relay: what the task sends goes to the client; the next read from the task
 * is issued only when the client accepted the previous chunk.
 */
final class TcpBackendHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(TcpBackendHandler.class);

    private final Channel inbound;
    private final PortMetrics metrics;

    TcpBackendHandler(Channel inbound, PortMetrics metrics) {
        this.inbound = inbound;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        int size = buf.readableBytes();
        metrics.readFromBackend(size);
        inbound.writeAndFlush(buf).addListener(f -> {
            if (f.isSuccess()) {
                metrics.wroteToClient(size);
                ctx.channel().read();
            } else {
                metrics.discarded(size);
                ctx.channel().close();
            }
        });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // The task finished sending: pass the FIN on once its bytes are out.
            Channels.shutdownOutputAfterFlush(inbound);
            if (((DuplexChannel) ctx.channel()).isOutputShutdown()) {
                ctx.close();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Channels.closeOnFlush(inbound);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("backend {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
