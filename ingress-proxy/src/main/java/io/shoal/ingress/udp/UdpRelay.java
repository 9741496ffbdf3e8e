package io.shoal.ingress.udp;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.shoal.ingress.balance.Backend;
import io.shoal.ingress.port.PortRuntime;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handler of a published UDP port's socket. Each client address gets a flow: a datagram socket
 * connected to one backend, on the same event loop, whose replies go back to that client from the
 * published port. Flows idle longer than the port's flow timeout are closed by a periodic sweep.
 * All flow state is confined to the listener's event loop, so it needs no locks.
 */
public final class UdpRelay extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(UdpRelay.class);
    /** Datagrams queued per flow while its socket connects; more are dropped, as a full socket buffer would. */
    private static final int MAX_PENDING = 64;

    private final PortRuntime port;
    private final Map<InetSocketAddress, Flow> flows = new HashMap<>();
    private Channel listener;
    private ScheduledFuture<?> sweep;

    /** A relay for the UDP published port {@code port}; one per listener socket. */
    public UdpRelay(PortRuntime port) {
        this.port = port;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        listener = ctx.channel();
        long period = Math.max(20, port.policy().udpFlowIdleTimeout().toMillis() / 4);
        sweep = ctx.executor().scheduleAtFixedRate(this::expire, period, period, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (sweep != null) {
            sweep.cancel(false);
        }
        List.copyOf(flows.values()).forEach(f -> f.channel.close());
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        DatagramPacket packet = (DatagramPacket) msg;
        InetSocketAddress client = packet.sender();
        Flow flow = flows.get(client);
        if (flow == null) {
            flow = open(client);
            if (flow == null) {
                packet.release();
                return;
            }
        }
        flow.send(packet.content());
    }

    private Flow open(InetSocketAddress client) {
        Backend backend = port.pool().acquire(client.getAddress(), Set.of());
        if (backend == null) {
            LOG.debug("{}: no backend for datagram from {}", port.key(), client);
            return null;
        }
        Flow flow = new Flow(client, backend);
        Bootstrap b = new Bootstrap()
                .group(listener.eventLoop())
                .channelFactory(port.transport().datagramChannel())
                .handler(new Replies(flow));
        long start = System.nanoTime();
        ChannelFuture connect = b.connect(backend.address());
        flow.channel = connect.channel();
        connect.addListener(done -> {
            if (done.isSuccess()) {
                port.metrics().connected(System.nanoTime() - start);
                flow.connected();
            } else {
                port.metrics().connectFailed();
                LOG.debug(
                        "{}: flow to {} failed: {}",
                        port.key(),
                        backend.key(),
                        done.cause().toString());
            }
        });
        flows.put(client, flow);
        port.metrics().opened();
        backend.track(flow.channel);
        flow.channel.closeFuture().addListener(f -> {
            flows.remove(client, flow);
            flow.dropPending();
            port.metrics().closed();
        });
        return flow;
    }

    private void expire() {
        long idleNanos = port.policy().udpFlowIdleTimeout().toNanos();
        long now = System.nanoTime();
        for (Flow f : List.copyOf(flows.values())) {
            if (now - f.lastSeen > idleNanos) {
                f.channel.close();
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A UDP socket survives an ICMP error for one client; it must keep serving the others.
        LOG.debug("{}: listener error: {}", port.key(), cause.toString());
    }

    /** One client's flow to its backend. */
    private final class Flow {
        final InetSocketAddress client;
        final Backend backend;
        final ArrayDeque<ByteBuf> pending = new ArrayDeque<>(4);
        Channel channel;
        boolean up;
        long lastSeen = System.nanoTime();

        Flow(InetSocketAddress client, Backend backend) {
            this.client = client;
            this.backend = backend;
        }

        void send(ByteBuf payload) {
            lastSeen = System.nanoTime();
            if (up) {
                write(payload);
            } else if (pending.size() < MAX_PENDING) {
                pending.add(payload);
            } else {
                payload.release();
            }
        }

        void connected() {
            up = true;
            while (!pending.isEmpty()) {
                write(pending.poll());
            }
        }

        private void write(ByteBuf payload) {
            int size = payload.readableBytes();
            if (!channel.isWritable()) {
                payload.release();
                return;
            }
            channel.writeAndFlush(payload).addListener(f -> {
                if (f.isSuccess()) {
                    port.metrics().datagramToBackend(size);
                }
            });
        }

        void dropPending() {
            pending.forEach(ReferenceCountUtil::release);
            pending.clear();
        }

        @Override
        public String toString() {
            return "flow " + client + " -> " + backend.key();
        }
    }

    /** Replies from the backend, sent back to the flow's client from the published port. */
    private final class Replies extends ChannelInboundHandlerAdapter {
        private final Flow flow;

        Replies(Flow flow) {
            this.flow = flow;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf content = msg instanceof DatagramPacket p ? p.content() : (ByteBuf) msg;
            flow.lastSeen = System.nanoTime();
            int size = content.readableBytes();
            if (!listener.isActive()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            listener.writeAndFlush(new DatagramPacket(content, flow.client)).addListener(f -> {
                if (f.isSuccess()) {
                    port.metrics().datagramToClient(size);
                }
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // ICMP port unreachable from a dead backend: end this flow, the next datagram re-picks.
            LOG.debug("{}: {} failed: {}", port.key(), flow, cause.toString());
            ctx.close();
        }
    }
}
