package io.shoal.dns.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.shoal.dns.forward.ForwardCallback;
import io.shoal.dns.forward.UpstreamForwarder;
import io.shoal.dns.resolve.DnsResponder;
import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.wire.DnsWire;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the length-prefixed queries of one TCP connection (RFC 7766): several queries per
 * connection, answers possibly out of order when some are forwarded. Reading pauses while the
 * client does not read its answers, so a slow client cannot make the server buffer without bound.
 */
final class TcpDnsHandler extends SimpleChannelInboundHandler<ByteBuf> {
    private static final Logger log = LoggerFactory.getLogger(TcpDnsHandler.class);

    private final DnsResponder responder;
    private final UpstreamForwarder forwarder;
    private final Supplier<DnsScope> scope;
    private boolean needsFlush;

    TcpDnsHandler(DnsResponder responder, UpstreamForwarder forwarder, Supplier<DnsScope> scope) {
        this.responder = responder;
        this.forwarder = forwarder;
        this.scope = scope;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf query) {
        ByteBuf out = ctx.alloc().ioBuffer(DnsWire.CLASSIC_UDP_LIMIT);
        out.writeShort(0); // length prefix, filled in below
        DnsResponder.Outcome outcome;
        try {
            outcome = responder.respond(query, scope.get(), true, out);
        } catch (RuntimeException e) {
            out.release();
            log.warn("TCP query from {} failed", ctx.channel().remoteAddress(), e);
            ctx.close();
            return;
        }
        switch (outcome) {
            case REPLIED -> {
                out.setShort(0, out.readableBytes() - 2);
                ctx.write(out, ctx.voidPromise());
                needsFlush = true;
            }
            case DROPPED -> {
                // A response or a fragment on a stream: the stream is broken, end it (RFC 7766 §6.2.2 leaves it to us).
                out.release();
                ctx.close();
            }
            case FORWARD -> {
                out.release();
                ByteBuf copy = ctx.alloc()
                        .buffer(query.readableBytes())
                        .writeBytes(query, query.readerIndex(), query.readableBytes());
                forwarder.forward(copy, true, new Reply(ctx.channel(), responder));
            }
        }
        if (!ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (needsFlush) {
            needsFlush = false;
            ctx.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("TCP DNS connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    private record Reply(Channel channel, DnsResponder responder) implements ForwardCallback {
        @Override
        public void answered(ByteBuf response) {
            responder.metrics().response(response.getUnsignedByte(response.readerIndex() + 3) & 0xF);
            ByteBuf framed = channel.alloc().ioBuffer(response.readableBytes() + 2);
            framed.writeShort(response.readableBytes()).writeBytes(response);
            response.release();
            channel.writeAndFlush(framed);
        }

        @Override
        public void failed(ByteBuf query) {
            ByteBuf out = channel.alloc().ioBuffer(DnsWire.CLASSIC_UDP_LIMIT);
            out.writeShort(0);
            if (responder.error(query, true, DnsWire.SERVFAIL, out)) {
                responder.metrics().response(DnsWire.SERVFAIL);
                out.setShort(0, out.readableBytes() - 2);
                channel.writeAndFlush(out);
            } else {
                out.release();
            }
        }
    }
}
