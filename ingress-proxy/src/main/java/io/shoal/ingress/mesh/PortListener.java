package io.shoal.ingress.mesh;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.shoal.ingress.port.PortRuntime;
import io.shoal.ingress.tcp.TcpChildInitializer;
import io.shoal.ingress.udp.UdpRelay;
import io.shoal.model.Protocol;
import java.net.InetSocketAddress;

/** The socket of one published port (a TCP server or a UDP socket) and its runtime. */
final class PortListener {
    final PortRuntime runtime;
    private Channel channel;

    PortListener(PortRuntime runtime) {
        this.runtime = runtime;
    }

    /** Binds; the future fails when the address is taken. */
    ChannelFuture bind(EventLoopGroup group, InetSocketAddress address) {
        ChannelFuture f;
        if (runtime.key().protocol() == Protocol.TCP) {
            f = new ServerBootstrap()
                    .group(group)
                    .channelFactory(runtime.transport().serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    // Rebinding next to TIME_WAIT leftovers of a previous run is not a conflict;
                    // another live listener on the port still is (no SO_REUSEPORT).
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new TcpChildInitializer(runtime))
                    .bind(address);
        } else {
            f = new Bootstrap()
                    .group(group)
                    .channelFactory(runtime.transport().datagramChannel())
                    .handler(new UdpRelay(runtime))
                    .bind(address);
        }
        channel = f.channel();
        return f;
    }

    InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Stops accepting; established connections are left to drain. */
    void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
    }
}
