package io.shoal.ingress.support;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A backend that expects a PROXY header (v1 or v2, parsed by Netty's decoder) and answers
 * {@code <version> <source ip>:<source port> -> <destination ip>:<destination port>}, then echoes.
 */
public final class ProxyProtocolBackend implements AutoCloseable {
    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;

    public ProxyProtocolBackend(InetAddress address, int port) throws InterruptedException {
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HAProxyMessageDecoder(), new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                if (msg instanceof HAProxyMessage h) {
                                    String line = h.protocolVersion() + " " + h.sourceAddress() + ":" + h.sourcePort()
                                            + " -> " + h.destinationAddress() + ":" + h.destinationPort() + "\n";
                                    h.release();
                                    ctx.writeAndFlush(Unpooled.copiedBuffer(line, StandardCharsets.UTF_8));
                                } else {
                                    ctx.writeAndFlush((ByteBuf) msg);
                                }
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.writeAndFlush(Unpooled.copiedBuffer(
                                        "no header: " + cause.getMessage() + "\n", StandardCharsets.UTF_8));
                                ctx.close();
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress(address, port))
                .sync()
                .channel();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
