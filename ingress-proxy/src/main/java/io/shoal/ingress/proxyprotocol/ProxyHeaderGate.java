package io.shoal.ingress.proxyprotocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Consumer;

/**
 * First handler on a port that accepts PROXY protocol. From a trusted source the connection must
 * start with a PROXY header: the gate hands it to Netty's {@link HAProxyMessageDecoder}, and
 * closes the connection when no header comes. From any other source a PROXY header is a spoofing
 * attempt and closes the connection; ordinary payload passes through untouched. Either way the
 * gate leaves the pipeline once it has decided.
 */
public final class ProxyHeaderGate extends ChannelInboundHandlerAdapter {
    private final boolean trusted;
    private final Consumer<String> onReject;
    private ByteBuf seen;

    /**
     * @param trusted whether the source is in the port's trusted CIDRs
     * @param onReject told why a connection is refused (for metrics and logs)
     */
    public ProxyHeaderGate(boolean trusted, Consumer<String> onReject) {
        this.trusted = trusted;
        this.onReject = onReject;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (seen == null) {
            seen = in;
        } else {
            ByteBuf merged = ctx.alloc().buffer(seen.readableBytes() + in.readableBytes());
            merged.writeBytes(seen).writeBytes(in);
            seen.release();
            in.release();
            seen = merged;
        }
        switch (ProxySignature.classify(seen)) {
            case NEED_MORE -> ctx.read();
            case HEADER -> {
                if (trusted) {
                    ctx.pipeline().addAfter(ctx.name(), "proxy-decoder", new HAProxyMessageDecoder());
                    pass(ctx);
                } else {
                    reject(
                            ctx,
                            "PROXY header from untrusted source "
                                    + ctx.channel().remoteAddress());
                }
            }
            case NOT_HEADER -> {
                if (trusted) {
                    reject(ctx, "trusted source " + ctx.channel().remoteAddress() + " sent no PROXY header");
                } else {
                    pass(ctx);
                }
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // The read-complete of bytes we hold back is not news downstream; pass() fires its own.
        if (seen == null) {
            ctx.fireChannelReadComplete();
        }
    }

    private void pass(ChannelHandlerContext ctx) {
        ByteBuf bytes = seen;
        seen = null;
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(bytes);
        ctx.fireChannelReadComplete();
    }

    private void reject(ChannelHandlerContext ctx, String why) {
        ReferenceCountUtil.release(seen);
        seen = null;
        onReject.accept(why);
        ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && seen != null) {
            // The client finished while its first bytes were still a signature prefix: they were
            // not a header after all (untrusted: relay them) or the header never came (trusted).
            if (trusted) {
                reject(ctx, "trusted source " + ctx.channel().remoteAddress() + " closed before a full PROXY header");
                return;
            }
            pass(ctx);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (seen != null) {
            seen.release();
            seen = null;
        }
    }
}
