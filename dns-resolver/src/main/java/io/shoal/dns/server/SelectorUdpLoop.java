package io.shoal.dns.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.shoal.dns.forward.ForwardCallback;
import io.shoal.dns.forward.UpstreamForwarder;
import io.shoal.dns.resolve.DnsResponder;
import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.wire.DnsWire;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and answers UDP queries of any number of bindings on one thread of its own, with a {@code
 * java.nio} selector: per ready socket {@code receive} until it is empty, answer each query from
 * the table into one reused buffer and {@code send} it back at once. Per query that is one receive
 * and one send system call, plus one selector wake-up per burst, and no object of the server's own
 * besides the sender's address the JDK makes when the client changes: the lean path a DNS exchange
 * (one small datagram each way) wants, where the Netty datagram channel runs a pipeline, an
 * outbound buffer and pooled buffers per query (0.8x its CPU per query, benchmarks/README.md). Forwarded queries go to the {@link
 * UpstreamForwarder} on the event loops; their answers are sent from there (a {@link
 * DatagramChannel} may be written from any thread).
 */
final class SelectorUdpLoop implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(SelectorUdpLoop.class);
    /** Datagrams read from one socket per wake-up before the others get their turn. */
    private static final int READS_PER_TURN = 64;

    private final DnsResponder responder;
    private final UpstreamForwarder forwarder;
    private final ByteBufAllocator alloc;
    private final Selector selector;
    private final Thread thread;
    private final Queue<Runnable> pending = new ConcurrentLinkedQueue<>();
    private final ByteBuffer in;
    private final ByteBuf query;
    private final ByteBuf out;
    private final Consumer<SelectionKey> onReady = this::readReady; // one object, not one per wake-up
    private volatile boolean open = true;

    SelectorUdpLoop(String name, DnsResponder responder, UpstreamForwarder forwarder, int udpCap) {
        this.responder = responder;
        this.forwarder = forwarder;
        this.alloc = ByteBufAllocator.DEFAULT;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for UDP DNS", e);
        }
        // A query longer than udpCap is cut there (its question is whole: answered; else FORMERR),
        // as the epoll transport's fixed receive slots do.
        this.in = ByteBuffer.allocateDirect(udpCap);
        this.query = Unpooled.wrappedBuffer(in);
        // Lives as long as the loop and is released when it ends: not worth the leak detector's
        // tracking (under its paranoid level every access would allocate a record).
        this.out = new UnpooledByteBufAllocator(true, true).directBuffer(udpCap, udpCap);
        this.thread = new FastThreadLocalThread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Serves {@code channel} (bound, non-blocking) from the next wake-up on, answering with the
     * scope {@code scope} supplies at each query. Closing the channel ends it.
     */
    void register(DatagramChannel channel, Supplier<DnsScope> scope) {
        pending.add(() -> {
            try {
                channel.register(selector, SelectionKey.OP_READ, scope);
            } catch (ClosedChannelException e) {
                // closed before it was registered: nothing to serve
            }
        });
        selector.wakeup();
    }

    /**
     * Stops serving {@code channel} and closes it, the socket gone from the kernel when this
     * returns (a channel closed while registered would keep its socket until the selector's next
     * wake-up).
     */
    void close(DatagramChannel channel) {
        if (!open || Thread.currentThread() == thread) {
            closeNow(channel);
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        pending.add(() -> {
            closeNow(channel);
            done.complete(null);
        });
        selector.wakeup();
        try {
            done.get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeNow(channel);
        } catch (ExecutionException | TimeoutException e) {
            closeNow(channel);
        }
    }

    private void closeNow(DatagramChannel channel) {
        SelectionKey key = channel.keyFor(selector);
        if (key != null) {
            key.cancel();
            try {
                selector.selectNow(); // deregisters the cancelled key, so close releases the socket now
            } catch (IOException | RuntimeException e) {
                log.debug("deregistering {}: {}", channel, e.toString());
            }
        }
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("closing {}: {}", channel, e.toString());
        }
    }

    private void run() {
        while (open) {
            try {
                selector.select(onReady);
            } catch (IOException | RuntimeException e) {
                if (open) {
                    log.warn("UDP DNS selector failed; serving on", e);
                }
            }
            runPending();
        }
        runPending();
        try {
            selector.close();
        } catch (IOException e) {
            log.debug("closing the UDP DNS selector: {}", e.toString());
        }
        query.release();
        out.release();
    }

    private void runPending() {
        Runnable r;
        while ((r = pending.poll()) != null) {
            r.run();
        }
    }

    @SuppressWarnings("unchecked")
    private void readReady(SelectionKey key) {
        DatagramChannel channel = (DatagramChannel) key.channel();
        Supplier<DnsScope> scope = (Supplier<DnsScope>) key.attachment();
        for (int i = 0; i < READS_PER_TURN; i++) {
            SocketAddress sender;
            in.clear();
            try {
                sender = channel.receive(in);
            } catch (IOException e) {
                // e.g. the channel was closed by its binding: the key is cancelled with it
                log.debug("UDP DNS socket {}: {}", channel, e.toString());
                return;
            }
            if (sender == null) {
                return; // drained; the selector says when more comes
            }
            answer(channel, scope, (InetSocketAddress) sender, in.position());
        }
    }

    private void answer(DatagramChannel channel, Supplier<DnsScope> scope, InetSocketAddress sender, int length) {
        query.setIndex(0, length);
        out.clear();
        DnsResponder.Outcome outcome;
        try {
            outcome = responder.respond(query, scope.get(), false, out);
        } catch (RuntimeException e) {
            // A bug must cost one answer, never the socket.
            log.warn("query from {} failed", sender, e);
            return;
        }
        switch (outcome) {
            case REPLIED -> send(channel, out.internalNioBuffer(0, out.writerIndex()), sender);
            case DROPPED -> {}
            case FORWARD -> {
                ByteBuf copy = alloc.buffer(length).writeBytes(query, 0, length);
                forwarder.forward(copy, false, new Reply(channel, sender, responder, alloc));
            }
        }
    }

    /** Sends without blocking; a full socket buffer loses the answer, as UDP may. */
    private static void send(DatagramChannel channel, ByteBuffer answer, InetSocketAddress client) {
        try {
            channel.send(answer, client);
        } catch (IOException e) {
            log.debug("UDP DNS answer to {} not sent: {}", client, e.toString());
        }
    }

    /** Stops the thread; the channels are their bindings' to close. */
    @Override
    public void close() {
        open = false;
        selector.wakeup();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Reply(
            DatagramChannel channel, InetSocketAddress client, DnsResponder responder, ByteBufAllocator alloc)
            implements ForwardCallback {
        @Override
        public void answered(ByteBuf response) {
            try {
                responder.metrics().response(response.getUnsignedByte(response.readerIndex() + 3) & 0xF);
                send(channel, response.nioBuffer(), client);
            } finally {
                response.release();
            }
        }

        @Override
        public void failed(ByteBuf query) {
            ByteBuf servfail = alloc.buffer(DnsWire.CLASSIC_UDP_LIMIT);
            try {
                if (responder.error(query, false, DnsWire.SERVFAIL, servfail)) {
                    responder.metrics().response(DnsWire.SERVFAIL);
                    send(channel, servfail.nioBuffer(), client);
                }
            } finally {
                servfail.release();
            }
        }
    }
}
