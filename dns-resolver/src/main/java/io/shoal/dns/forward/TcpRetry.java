package io.shoal.dns.forward;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.shoal.dns.transport.SocketNamespace;
import io.shoal.dns.transport.Transport;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One query over a fresh TCP connection to an upstream, for answers that came back truncated over
 * UDP. Rare enough that a connection per retry is fine.
 */
final class TcpRetry {
    private final Transport transport;
    private final EventLoop loop;
    private final SocketNamespace namespace;

    TcpRetry(Transport transport, EventLoop loop, SocketNamespace namespace) {
        this.transport = transport;
        this.loop = loop;
        this.namespace = namespace;
    }

    /**
     * Sends {@code query} (borrowed) and hands the response (owned by the callee) or null on
     * failure or timeout to {@code done}, on the loop.
     */
    void exchange(InetSocketAddress upstream, ByteBuf query, long timeoutNanos, Consumer<ByteBuf> done) {
        boolean[] finished = {false};
        Consumer<ByteBuf> once = r -> {
            if (finished[0]) {
                if (r != null) {
                    r.release();
                }
                return;
            }
            finished[0] = true;
            done.accept(r);
        };
        ByteBuf framed = ByteBufAllocator.DEFAULT.ioBuffer(query.readableBytes() + 2);
        framed.writeShort(query.readableBytes());
        framed.writeBytes(query, query.readerIndex(), query.readableBytes());
        if (namespace == SocketNamespace.HOST) {
            connect(upstream, framed, timeoutNanos, once, transport.newSocketChannel());
            return;
        }
        // Entering another namespace takes a thread of its own (setns): never the event loop's.
        Thread opener = new Thread(
                () -> {
                    try {
                        Channel ch = namespace.open(transport::newSocketChannel);
                        loop.execute(() -> connect(upstream, framed, timeoutNanos, once, ch));
                    } catch (RuntimeException e) {
                        loop.execute(() -> {
                            framed.release();
                            once.accept(null);
                        });
                    }
                },
                "shoal-dns-tcp-retry");
        opener.setDaemon(true);
        opener.start();
    }

    private void connect(
            InetSocketAddress upstream, ByteBuf framed, long timeoutNanos, Consumer<ByteBuf> once, Channel channel) {
        ChannelFuture connect = new Bootstrap()
                .group(loop)
                .channelFactory(() -> channel)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(new LengthFieldBasedFrameDecoder(65535, 0, 2, 0, 2))
                                .addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                        once.accept(msg.retain());
                                        ctx.close();
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        once.accept(null);
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        ctx.close();
                                    }
                                });
                    }
                })
                .connect(upstream);
        connect.addListener(f -> {
            if (f.isSuccess()) {
                connect.channel().writeAndFlush(framed);
            } else {
                framed.release();
                once.accept(null);
            }
        });
        loop.schedule(
                () -> {
                    connect.channel().close();
                    once.accept(null);
                },
                timeoutNanos,
                TimeUnit.NANOSECONDS);
    }
}
