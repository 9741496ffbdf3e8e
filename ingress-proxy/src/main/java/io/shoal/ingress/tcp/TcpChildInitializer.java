package io.shoal.ingress.tcp;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.shoal.ingress.policy.PortPolicy;
import io.shoal.ingress.port.PortRuntime;
import io.shoal.ingress.proxyprotocol.ProxyHeaderGate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sets up an accepted client connection with the port's policy as it is at accept time. */
public final class TcpChildInitializer extends ChannelInitializer<SocketChannel> {
    private static final Logger LOG = LoggerFactory.getLogger(TcpChildInitializer.class);

    private final PortRuntime port;

    /** Sets up client connections of {@code port}. */
    public TcpChildInitializer(PortRuntime port) {
        this.port = port;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        PortPolicy policy = port.policy();
        // Writability tracks the chunk in flight (see TcpFrontendHandler); the idle timeout is
        // checked by the relay itself.
        ch.config().setWriteBufferWaterMark(Relay.ONE_CHUNK);
        boolean awaitHeader = false;
        if (policy.acceptsProxyProtocol()) {
            boolean trusted = policy.trusts(ch.remoteAddress().getAddress());
            awaitHeader = trusted;
            ch.pipeline().addLast("proxy-gate", new ProxyHeaderGate(trusted, why -> {
                port.metrics().rejected();
                LOG.info("{}: refused connection: {}", port.key(), why);
            }));
        }
        ch.pipeline().addLast("relay", new TcpFrontendHandler(port, policy, awaitHeader));
    }
}
