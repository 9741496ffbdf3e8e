package io.shoal.ingress.tcp;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.shoal.ingress.balance.Backend;
import io.shoal.ingress.metrics.PortMetrics;
import io.shoal.ingress.policy.PortPolicy;
import io.shoal.ingress.policy.ProxyProtocol;
import io.shoal.ingress.port.PortRuntime;
import io.shoal.ingress.proxyprotocol.ProxyHeaders;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of a relay. It picks a backend and connects to it on the client channel's own
 * event loop (no cross-thread hand-off), retrying another backend when a connect fails; then it
 * relays client bytes, reading the next chunk only when the backend accepted the previous one.
 * Auto-read is off on both channels, so a slow side stops the other instead of filling memory.
 *
 * <p>Hot path without a promise or listener per chunk: chunks are written with the channel's void
 * promise, and both channels have a write-buffer water mark of one byte, so a channel turns
 * unwritable with the chunk queued and writable again exactly when everything queued on it has
 * been written: that {@code channelWritabilityChanged} (here for the client channel, in {@link
 * TcpBackendHandler} for the backend channel) is the "previous write succeeded" that issues the
 * next read on the other side. A failed write fires {@code exceptionCaught} on its channel, which
 * closes it; {@code channelInactive} then counts the chunk as discarded and closes the other side.
 * This handler owns the byte accounting of both directions and the idle timeout (a periodic check
 * of a per-connection activity counter; no {@code IdleStateHandler}, whose write listener would
 * need a promise per chunk).
 */
final class TcpFrontendHandler extends ChannelInboundHandlerAdapter implements Splicer.Owner {
    private static final Logger LOG = LoggerFactory.getLogger(TcpFrontendHandler.class);

    /**
     * A chunk at least this big (one read returning this much: the socket had a backlog) marks its
     * direction as bulk; once it is written, that direction is spliced instead of read (HAProxy's
     * {@code splice-auto}: small exchanges keep the copy path).
     */
    static final int SPLICE_AFTER = 32 * 1024;

    private final PortRuntime port;
    private final PortPolicy policy;
    private final PortMetrics metrics;
    /** This event loop's byte counters of the port (both channels live on it). */
    private PortMetrics.ByteCounters bytes;

    private final boolean transparent;
    private final Set<Backend> tried = new HashSet<>(4);
    /** Client bytes that arrived before the backend connection was up (a PROXY header's tail). */
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>(2);

    private boolean awaitingHeader;
    private boolean clientInputShut;
    private Channel inbound;
    private Channel outbound;
    private boolean connected;
    private InetSocketAddress client;

    /** Client bytes written to the backend and not yet confirmed (0: none in flight). */
    private long toBackend;
    /** Backend bytes written to the client and not yet confirmed. */
    private long toClient;
    /** Bumped by every relayed chunk in either direction; the idle check compares it. */
    private long activity;

    /** Whether the two channels can splice (both io_uring, splice(2) reachable); set on connect. */
    private boolean canSplice;
    /** The last client chunk was bulk-sized: splice client → backend once it is written. */
    private boolean clientBulk;
    /** The last backend chunk was bulk-sized: splice backend → client once it is written. */
    private boolean backendBulk;
    /** Client → backend in the kernel (null: copying). */
    private Splicer toBackendSplice;
    /** Backend → client in the kernel (null: copying). */
    private Splicer toClientSplice;
    /** Client chunks the channel read while splicing; relayed once the pipe is drained. */
    private ArrayDeque<ByteBuf> heldForBackend;
    /** Backend chunks the channel read while splicing; relayed once the pipe is drained. */
    private ArrayDeque<ByteBuf> heldForClient;
    /** The backend sent its FIN while its bytes were still in the pipe. */
    private boolean backendFinAfterSplice;
    /** A side closed while the other direction's pipe still held bytes for the side still open. */
    private boolean closeClientAfterSplice;

    private boolean closeBackendAfterSplice;
    /** Client → backend is not spliced again (the client's peer finished). */
    private boolean clientSpliceDone;
    /** Backend → client is not spliced again. */
    private boolean backendSpliceDone;

    private long seenActivity = -1;
    private long seenProgress = -1;
    private long lastActive;
    private long idleNanos;
    private ScheduledFuture<?> idleCheck;

    TcpFrontendHandler(PortRuntime port, PortPolicy policy, boolean awaitingHeader) {
        this.port = port;
        this.policy = policy;
        this.metrics = port.metrics();
        this.transparent = port.transparent();
        this.awaitingHeader = awaitingHeader;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        bytes = metrics.byteCounters();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        inbound = ctx.channel();
        client = (InetSocketAddress) inbound.remoteAddress();
        metrics.opened();
        inbound.closeFuture().addListener(f -> metrics.closed());
        idleNanos = policy.idleTimeout().toNanos();
        if (idleNanos > 0) {
            lastActive = System.nanoTime();
            scheduleIdleCheck();
        }
        if (awaitingHeader) {
            // The real client address comes in the PROXY header: read it before choosing a backend.
            ctx.read();
        } else {
            connect();
        }
    }

    private void connect() {
        Backend backend = port.pool().acquire(client.getAddress(), tried);
        if (backend == null) {
            LOG.debug("{}: no backend left for {} after trying {}", port.key(), client, tried);
            inbound.close();
            return;
        }
        boolean sendHeader = policy.sendProxyProtocol() != ProxyProtocol.NONE;
        Bootstrap b = new Bootstrap()
                .group(inbound.eventLoop())
                .channelFactory(port.transport().socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                // Each chunk is relayed as soon as it arrives; Nagle would hold small replies
                // behind the ACK of the previous segment.
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Relay.ONE_CHUNK)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.min(Integer.MAX_VALUE, policy.connectTimeout().toMillis()))
                // The backend pipeline's only handler, added as the channel registers (no
                // initializer to add and remove per connection).
                .handler(new TcpBackendHandler(this));
        long start = System.nanoTime();
        ChannelFuture f;
        if (transparent && sameFamily(client, backend.address())) {
            // Connect from the client's own address (port chosen by the kernel), so the task's
            // socket sees the client; the node routes the replies back to this socket.
            b.option(port.transport().transparentOption(), true);
            f = b.connect(backend.address(), new InetSocketAddress(client.getAddress(), 0));
        } else {
            f = b.connect(backend.address());
        }
        outbound = f.channel();
        f.addListener(done -> {
            if (done.isSuccess()) {
                metrics.connected(System.nanoTime() - start);
                backend.track(inbound);
                connected(sendHeader);
            } else if (!inbound.isActive()) {
                // The client left while we were connecting: not the backend's failure.
                backend.release();
            } else {
                backend.release();
                metrics.connectFailed();
                tried.add(backend);
                LOG.debug(
                        "{}: connect to {} failed: {}",
                        port.key(),
                        backend.key(),
                        done.cause().toString());
                if (tried.size() < policy.connectAttempts()) {
                    connect();
                } else {
                    inbound.close();
                }
            }
        });
    }

    private static boolean sameFamily(InetSocketAddress a, InetSocketAddress b) {
        return a.getAddress().getClass() == b.getAddress().getClass();
    }

    private void connected(boolean sendHeader) {
        if (!inbound.isActive()) {
            outbound.close();
            return;
        }
        connected = true;
        canSplice = Splicer.supports(inbound, outbound);
        if (sendHeader) {
            outbound.write(ProxyHeaders.encode(
                    policy.sendProxyProtocol(),
                    client,
                    (InetSocketAddress) inbound.localAddress(),
                    false,
                    outbound.alloc()));
        }
        if (pending.isEmpty()) {
            outbound.flush();
            if (clientInputShut) {
                Channels.shutdownOutputAfterFlush(outbound, this::backendFlushed);
            } else {
                inbound.read();
            }
        } else {
            while (!pending.isEmpty()) {
                relay(pending.poll());
            }
            if (clientInputShut) {
                Channels.shutdownOutputAfterFlush(outbound, this::backendFlushed);
            }
        }
        outbound.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HAProxyMessage header) {
            try {
                if (awaitingHeader && header.command() == HAProxyCommand.PROXY && header.sourceAddress() != null) {
                    client = new InetSocketAddress(header.sourceAddress(), header.sourcePort());
                }
            } finally {
                ReferenceCountUtil.release(header);
            }
            if (awaitingHeader) {
                awaitingHeader = false;
                connect();
            }
            return;
        }
        ByteBuf buf = (ByteBuf) msg;
        bytes.read(buf.readableBytes());
        if (toBackendSplice != null) {
            // The channel read by itself (io_uring does on POLLRDHUP): after the pipe's bytes.
            hold(heldForBackend == null ? heldForBackend = new ArrayDeque<>(2) : heldForBackend, buf);
            toBackendSplice.stopWhenDrained();
        } else if (connected) {
            relay(buf);
        } else {
            pending.add(buf);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Last handler: no one after it to tell (saves a pass to the pipeline's tail per read).
    }

    /** Writes a client chunk to the backend; the next client read waits for its completion. */
    private void relay(ByteBuf buf) {
        int size = buf.readableBytes();
        clientBulk = size >= SPLICE_AFTER;
        toBackend += size;
        activity++;
        outbound.writeAndFlush(buf, outbound.voidPromise());
    }

    /** A backend chunk (from {@link TcpBackendHandler}): written to the client. */
    void relayToClient(ByteBuf buf) {
        int size = buf.readableBytes();
        bytes.read(size);
        if (toClientSplice != null) {
            hold(heldForClient == null ? heldForClient = new ArrayDeque<>(2) : heldForClient, buf);
            toClientSplice.stopWhenDrained();
            return;
        }
        writeToClient(buf, size);
    }

    private void writeToClient(ByteBuf buf, int size) {
        backendBulk = size >= SPLICE_AFTER;
        toClient += size;
        activity++;
        inbound.writeAndFlush(buf, inbound.voidPromise());
    }

    /** The backend channel's writability changed (from {@link TcpBackendHandler}). */
    void backendWritabilityChanged() {
        if (toBackend > 0 && outbound.isWritable() && outbound.isActive()) {
            backendFlushed();
            if (!clientInputShut) {
                if (clientBulk && canSplice && !clientSpliceDone && startSplice(true)) {
                    return;
                }
                inbound.read();
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (toClient > 0 && inbound.isWritable() && inbound.isActive()) {
            clientFlushed();
            if (backendBulk && canSplice && !backendSpliceDone && !backendFinAfterSplice && startSplice(false)) {
                return;
            }
            outbound.read();
        }
        // The relay is the pipeline's last handler: nothing after it to tell.
    }

    /** Everything written to the backend so far was written: count the chunk in flight. */
    private void backendFlushed() {
        if (toBackend > 0) {
            bytes.wroteToBackend(toBackend);
            toBackend = 0;
        }
    }

    /** Everything written to the client so far was written: count the chunk in flight. */
    private void clientFlushed() {
        if (toClient > 0) {
            bytes.wroteToClient(toClient);
            toClient = 0;
        }
    }

    /** The backend channel closed (from {@link TcpBackendHandler}). */
    void backendInactive() {
        if (toBackend > 0) {
            bytes.discarded(toBackend);
            toBackend = 0;
        }
        if (toBackendSplice != null) {
            bytes.discarded(toBackendSplice.abort());
            toBackendSplice = null;
        }
        releaseHeld(heldForBackend);
        if (toClientSplice != null) {
            // The task's last bytes may still be in the pipe: the client gets them, then the close.
            closeClientAfterSplice = true;
            toClientSplice.stopWhenDrained();
            return;
        }
        Channels.closeOnFlush(inbound, this::clientFlushed);
    }

    /**
     * The backend sent its FIN (from {@link TcpBackendHandler}). Returns false when it is passed on
     * later (bytes before it are still in the pipe), so the backend channel must stay open.
     */
    boolean backendInputShut() {
        if (toClientSplice != null) {
            backendFinAfterSplice = true;
            toClientSplice.stopWhenDrained();
            return toClientSplice == null;
        }
        Channels.shutdownOutputAfterFlush(inbound, this::clientFlushed);
        return true;
    }

    /** Starts splicing one direction (client → backend if {@code fromClient}); false if it cannot. */
    private boolean startSplice(boolean fromClient) {
        Channel source = fromClient ? inbound : outbound;
        Channel sink = fromClient ? outbound : inbound;
        if (!Channels.nothingQueued(sink)) {
            return false;
        }
        Splicer s = Splicer.open(source, sink, this);
        if (s == null) {
            canSplice = false;
            return false;
        }
        if (fromClient) {
            clientBulk = false;
            toBackendSplice = s;
        } else {
            backendBulk = false;
            toClientSplice = s;
        }
        s.begin();
        return true;
    }

    private static void hold(ArrayDeque<ByteBuf> held, ByteBuf buf) {
        held.add(buf);
    }

    @Override
    public void splicedIn(Splicer s, int n) {
        bytes.read(n);
        activity++;
    }

    @Override
    public void splicedOut(Splicer s, int n) {
        if (s == toBackendSplice) {
            bytes.splicedToBackend(n);
        } else {
            bytes.splicedToClient(n);
        }
        activity++;
    }

    @Override
    public void sourceQuiet(Splicer s) {
        // The source's peer finished (or it looked so): its last bytes and the end of the stream
        // come through the channel's own reads; that direction is not spliced again.
        if (s == toBackendSplice) {
            clientSpliceDone = true;
        } else {
            backendSpliceDone = true;
        }
        spliceEnded(s);
    }

    @Override
    public void drainedAndStopped(Splicer s) {
        spliceEnded(s);
    }

    @Override
    public void failed(Splicer s, IOException cause) {
        LOG.debug(
                "{}: splice {} failed for {}: {}",
                port.key(),
                s == toBackendSplice ? "to backend" : "to client",
                client,
                cause.toString());
        bytes.discarded(s.abort());
        Channel source = s == toBackendSplice ? inbound : outbound;
        Channel sink = s == toBackendSplice ? outbound : inbound;
        if (s == toBackendSplice) {
            toBackendSplice = null;
        } else {
            toClientSplice = null;
        }
        // As a failed read or write on the copy path: that channel closes, its close ends the other.
        (s.failedOnSource() ? source : sink).close();
    }

    /**
     * A splicer stopped with its pipe empty: what the channel read meanwhile is relayed, a FIN or a
     * close that waited for the pipe is passed on, else the channel path reads on.
     */
    private void spliceEnded(Splicer s) {
        if (s == toBackendSplice) {
            toBackendSplice = null;
            boolean relayed = false;
            while (heldForBackend != null && !heldForBackend.isEmpty()) {
                relay(heldForBackend.poll());
                relayed = true;
            }
            if (closeBackendAfterSplice) {
                Channels.closeOnFlush(outbound, this::backendFlushed);
            } else if (!clientInputShut && Splicer.closed(inbound)) {
                // Reset while spliced (the channel may not have said so): as a failed read.
                inbound.close();
            } else if (clientInputShut) {
                Channels.shutdownOutputAfterFlush(outbound, this::backendFlushed);
                if (((DuplexChannel) inbound).isOutputShutdown()) {
                    Channels.closeOnFlush(inbound, this::clientFlushed);
                }
            } else if (!relayed && inbound.isActive()) {
                inbound.read();
            }
        } else if (s == toClientSplice) {
            toClientSplice = null;
            boolean relayed = false;
            while (heldForClient != null && !heldForClient.isEmpty()) {
                ByteBuf b = heldForClient.poll();
                writeToClient(b, b.readableBytes());
                relayed = true;
            }
            if (closeClientAfterSplice) {
                Channels.closeOnFlush(inbound, this::clientFlushed);
            } else if (!backendFinAfterSplice && Splicer.closed(outbound)) {
                outbound.close();
            } else if (backendFinAfterSplice) {
                Channels.shutdownOutputAfterFlush(inbound, this::clientFlushed);
                if (((DuplexChannel) outbound).isOutputShutdown()) {
                    outbound.close();
                }
            } else if (!relayed && outbound.isActive()) {
                outbound.read();
            }
        }
    }

    private void abortToClient() {
        if (toClientSplice != null) {
            bytes.discarded(toClientSplice.abort());
            toClientSplice = null;
        }
        releaseHeld(heldForClient);
    }

    private void releaseHeld(ArrayDeque<ByteBuf> held) {
        while (held != null && !held.isEmpty()) {
            ByteBuf b = held.poll();
            bytes.discarded(b.readableBytes());
            b.release();
        }
    }

    private void scheduleIdleCheck() {
        idleCheck = inbound.eventLoop()
                .schedule(this::checkIdle, Math.max(idleNanos / 4, 1_000_000L), TimeUnit.NANOSECONDS);
    }

    /**
     * Runs every quarter of the idle timeout: activity is a relayed chunk in either direction or a
     * write still making progress (a slow reader draining a chunk); the connection is closed once
     * nothing moved for the whole timeout.
     */
    private void checkIdle() {
        idleCheck = null;
        if (!inbound.isActive()) {
            return;
        }
        long now = System.nanoTime();
        long progress = progress(inbound) + progress(outbound);
        if (activity != seenActivity || progress != seenProgress) {
            seenActivity = activity;
            seenProgress = progress;
            lastActive = now;
        } else if (now - lastActive >= idleNanos) {
            LOG.debug("{}: closing idle connection from {}", port.key(), client);
            Channels.closeOnFlush(inbound, this::clientFlushed);
            return;
        }
        scheduleIdleCheck();
    }

    private static long progress(Channel ch) {
        if (ch == null) {
            return 0;
        }
        ChannelOutboundBuffer buf = ch.unsafe().outboundBuffer();
        return buf == null ? 0 : buf.currentProgress() + buf.totalPendingWriteBytes();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            clientInputShut = true;
            if (awaitingHeader) {
                // A trusted balancer hung up before its PROXY header: there is nothing to relay.
                inbound.close();
                return;
            }
            if (toBackendSplice != null) {
                // The client's last bytes are still in the pipe: the FIN follows them (spliceEnded).
                toBackendSplice.stopWhenDrained();
                ctx.fireUserEventTriggered(evt);
                return;
            }
            if (connected) {
                Channels.shutdownOutputAfterFlush(outbound, this::backendFlushed);
            }
            if (((DuplexChannel) inbound).isOutputShutdown()) {
                Channels.closeOnFlush(inbound, this::clientFlushed);
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (idleCheck != null) {
            idleCheck.cancel(false);
            idleCheck = null;
        }
        if (toClient > 0) {
            bytes.discarded(toClient);
            toClient = 0;
        }
        while (!pending.isEmpty()) {
            ByteBuf b = pending.poll();
            bytes.discarded(b.readableBytes());
            b.release();
        }
        abortToClient();
        if (toBackendSplice != null && outbound != null && outbound.isActive()) {
            // The client's last bytes may still be in the pipe: the backend gets them, then the close.
            closeBackendAfterSplice = true;
            toBackendSplice.stopWhenDrained();
            return;
        }
        if (toBackendSplice != null) {
            bytes.discarded(toBackendSplice.abort());
            toBackendSplice = null;
        }
        releaseHeld(heldForBackend);
        Channels.closeOnFlush(outbound, this::backendFlushed);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof HAProxyProtocolException) {
            metrics.rejected();
            LOG.info("{}: bad PROXY header from {}: {}", port.key(), inbound.remoteAddress(), cause.getMessage());
        } else {
            LOG.debug("{}: client {} failed: {}", port.key(), client, cause.toString());
        }
        ctx.close();
    }
}
