package io.shoal.dns.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.shoal.dns.forward.ForwardCallback;
import io.shoal.dns.forward.UpstreamForwarder;
import io.shoal.dns.resolve.DnsResponder;
import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.wire.DnsWire;
import java.net.InetSocketAddress;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers UDP queries of one binding. Answers from the table are written at once and flushed once
 * per read batch; forwarded ones are sent when the upstream answers. Nothing here blocks.
 */
final class UdpDnsHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    private static final Logger log = LoggerFactory.getLogger(UdpDnsHandler.class);

    private final DnsResponder responder;
    private final UpstreamForwarder forwarder;
    private final Supplier<DnsScope> scope;
    private boolean needsFlush;

    UdpDnsHandler(DnsResponder responder, UpstreamForwarder forwarder, Supplier<DnsScope> scope) {
        this.responder = responder;
        this.forwarder = forwarder;
        this.scope = scope;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        ByteBuf query = packet.content();
        ByteBuf out = ctx.alloc().ioBuffer(DnsWire.CLASSIC_UDP_LIMIT);
        DnsResponder.Outcome outcome;
        try {
            outcome = responder.respond(query, scope.get(), false, out);
        } catch (RuntimeException e) {
            // A bug must cost one answer, never the socket.
            out.release();
            log.warn("query from {} failed", packet.sender(), e);
            return;
        }
        switch (outcome) {
            case REPLIED -> {
                // The void promise: no promise object per answer (a failed send reaches
                // exceptionCaught, which is all a lost UDP answer deserves).
                ctx.write(new DatagramPacket(out, packet.sender()), ctx.voidPromise());
                needsFlush = true;
            }
            case DROPPED -> out.release();
            case FORWARD -> {
                out.release();
                ByteBuf copy = ctx.alloc()
                        .buffer(query.readableBytes())
                        .writeBytes(query, query.readerIndex(), query.readableBytes());
                forwarder.forward(copy, false, new Reply(ctx.channel(), packet.sender(), responder));
            }
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
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // e.g. ICMP port unreachable surfaced as an error on a UDP socket: keep serving.
        log.debug("UDP DNS socket {}: {}", ctx.channel().localAddress(), cause.toString());
    }

    private record Reply(Channel channel, InetSocketAddress client, DnsResponder responder) implements ForwardCallback {
        @Override
        public void answered(ByteBuf response) {
            responder.metrics().response(response.getUnsignedByte(response.readerIndex() + 3) & 0xF);
            channel.writeAndFlush(new DatagramPacket(response, client));
        }

        @Override
        public void failed(ByteBuf query) {
            ByteBuf out = channel.alloc().ioBuffer(DnsWire.CLASSIC_UDP_LIMIT);
            if (responder.error(query, false, DnsWire.SERVFAIL, out)) {
                responder.metrics().response(DnsWire.SERVFAIL);
                channel.writeAndFlush(new DatagramPacket(out, client));
            } else {
                out.release();
            }
        }
    }
}
