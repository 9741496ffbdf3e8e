package io.shoal.dns.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.internal.PlatformDependent;
import io.shoal.dns.forward.ForwardCallback;
import io.shoal.dns.forward.UpstreamForwarder;
import io.shoal.dns.resolve.DnsResponder;
import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.wire.DnsWire;
import java.io.Closeable;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and answers UDP queries of any number of bindings on one thread of its own, in batches:
 * an {@code epoll} set over the bindings' sockets, then per ready socket one {@code recvmmsg(2)}
 * takes up to {@value #BATCH} queries, each is answered from the table into its own slot of native
 * memory, and one {@code sendmmsg(2)} sends every answer back to the address its query came from.
 * Under load that is two system calls per batch instead of two per query (unbound, and the {@link
 * SelectorUdpLoop}, receive and send one datagram per call); at a trickle it is one wake-up, one
 * receive and one send per query, as theirs. Nothing is allocated per local answer: queries,
 * answers, message headers and sender addresses live in slots made once per loop.
 *
 * <p>Forwarded queries go to the {@link UpstreamForwarder} on the event loops; their answers come
 * back to this thread ({@link #execute}, an {@code eventfd} wakes it), which alone sends on and
 * closes its sockets, so a descriptor is never used after it was closed.
 *
 * <p>Layouts are the LP64 Linux ones ({@code struct mmsghdr} 64 bytes, {@code struct iovec} 16;
 * {@code struct epoll_event} packed to 12 bytes on x86-64, 16 on arm64).
 */
final class MmsgUdpLoop implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(MmsgUdpLoop.class);

    /** Queries per {@code recvmmsg}; also how many answers one {@code sendmmsg} carries. */
    static final int BATCH = 32;
    /** Batches read from one socket per wake-up before the others get their turn. */
    private static final int BATCHES_PER_TURN = 4;

    private static final int MAX_EVENTS = 64;
    private static final boolean PACKED_EPOLL_EVENT = !"aarch64".equals(System.getProperty("os.arch"));
    private static final int EVENT_SIZE = PACKED_EPOLL_EVENT ? 12 : 16;
    private static final int EVENT_DATA = PACKED_EPOLL_EVENT ? 4 : 8;

    // struct mmsghdr { struct msghdr msg_hdr; unsigned int msg_len; } on LP64
    private static final int MMSG_SIZE = 64;
    private static final int MSG_NAME = 0;
    private static final int MSG_NAMELEN = 8;
    private static final int MSG_IOV = 16;
    private static final int MSG_IOVLEN = 24;
    private static final int MSG_LEN = 56;
    private static final int IOV_SIZE = 16;

    private final UdpSys sys;
    private final DnsResponder responder;
    private final UpstreamForwarder forwarder;
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private final int slot;
    private final int epfd;
    private final int wakeFd;
    private final ByteBuffer block;
    private final long memory;
    private final long receiveHeaders;
    private final long sendHeaders;
    private final long names;
    private final long events;
    private final long scratch;
    /** 8 bytes holding 1, written to the eventfd by any thread (only ever read). */
    private final long wakeValue;

    private final long queryData;
    private final long answerData;
    private final ByteBuf[] queries = new ByteBuf[BATCH];
    private final ByteBuf[] answers = new ByteBuf[BATCH];
    private final Thread thread;
    private final Queue<Runnable> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupSent = new AtomicBoolean();
    private Served[] byFd = new Served[64];
    private volatile boolean open = true;
    /** Guards the eventfd against a write after the loop closed it (its number may be reused). */
    private final Object wakeLock = new Object();
    /** Set, under {@link #wakeLock}, once the loop closed its descriptors. */
    private volatile boolean ended;

    /** A socket served here and the scope its queries are answered with. */
    private record Served(NativeUdpSocket socket, Supplier<DnsScope> scope) {}

    MmsgUdpLoop(String name, DnsResponder responder, UpstreamForwarder forwarder, int udpCap) {
        this.sys = UdpSys.Holder.sys();
        this.responder = responder;
        this.forwarder = forwarder;
        // A query longer than udpCap is cut there (its question is whole: answered; else
        // FORMERR), as the other UDP paths do; an answer never exceeds udpCap.
        this.slot = udpCap;
        long headers = 2L * BATCH * MMSG_SIZE;
        long iovs = 2L * BATCH * IOV_SIZE;
        long nameBytes = (long) BATCH * NativeUdpSocket.SOCKADDR_SIZE;
        long eventBytes = (long) MAX_EVENTS * 16;
        long scratchBytes = 64;
        long data = 2L * BATCH * slot;
        // One direct buffer (zeroed) holds it all; the slots' ByteBufs are slices of it.
        this.block = ByteBuffer.allocateDirect(
                Math.toIntExact(headers + iovs + nameBytes + eventBytes + scratchBytes + data));
        this.memory = PlatformDependent.directBufferAddress(block);
        this.receiveHeaders = memory;
        this.sendHeaders = receiveHeaders + (long) BATCH * MMSG_SIZE;
        long receiveIovs = sendHeaders + (long) BATCH * MMSG_SIZE;
        long sendIovs = receiveIovs + (long) BATCH * IOV_SIZE;
        this.names = sendIovs + (long) BATCH * IOV_SIZE;
        this.events = names + nameBytes;
        this.scratch = events + eventBytes;
        this.wakeValue = scratch + 56;
        PlatformDependent.putLong(wakeValue, 1);
        this.queryData = scratch + scratchBytes;
        this.answerData = queryData + (long) BATCH * slot;
        for (int i = 0; i < BATCH; i++) {
            long rh = receiveHeaders + (long) i * MMSG_SIZE;
            long riov = receiveIovs + (long) i * IOV_SIZE;
            PlatformDependent.putLong(riov, queryData + (long) i * slot);
            PlatformDependent.putLong(riov + 8, slot);
            PlatformDependent.putLong(rh + MSG_NAME, names + (long) i * NativeUdpSocket.SOCKADDR_SIZE);
            PlatformDependent.putInt(rh + MSG_NAMELEN, NativeUdpSocket.SOCKADDR_SIZE);
            PlatformDependent.putLong(rh + MSG_IOV, riov);
            PlatformDependent.putLong(rh + MSG_IOVLEN, 1);
            long sh = sendHeaders + (long) i * MMSG_SIZE;
            PlatformDependent.putLong(sh + MSG_IOV, sendIovs + (long) i * IOV_SIZE);
            PlatformDependent.putLong(sh + MSG_IOVLEN, 1);
            // Views of the slots; never freed by themselves (the loop frees the memory).
            queries[i] = Unpooled.wrappedBuffer(block.slice(Math.toIntExact(queryData - memory) + i * slot, slot));
            answers[i] = Unpooled.wrappedBuffer(block.slice(Math.toIntExact(answerData - memory) + i * slot, slot))
                    .clear();
        }
        int ep = -1;
        int wake = -1;
        try {
            ep = sys.epoll_create1(UdpSys.EPOLL_CLOEXEC);
            if (ep < 0) {
                throw new IllegalStateException("epoll_create1 failed: errno " + UdpSys.Holder.errno());
            }
            wake = sys.eventfd(0, UdpSys.EFD_NONBLOCK | UdpSys.EFD_CLOEXEC);
            if (wake < 0) {
                throw new IllegalStateException("eventfd failed: errno " + UdpSys.Holder.errno());
            }
            watch(ep, wake);
        } catch (RuntimeException e) {
            if (ep >= 0) {
                sys.close(ep);
            }
            if (wake >= 0) {
                sys.close(wake);
            }
            PlatformDependent.freeDirectBuffer(block);
            throw e;
        }
        this.epfd = ep;
        this.wakeFd = wake;
        this.thread = new FastThreadLocalThread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Whether this loop can run here (Linux, libc through JNR-FFI, Unsafe), else why not. */
    static Throwable unavailabilityCause() {
        return UdpSys.Holder.cause();
    }

    private void watch(int ep, int fd) {
        PlatformDependent.putInt(scratch, UdpSys.EPOLLIN);
        PlatformDependent.putLong(scratch + EVENT_DATA, fd);
        if (sys.epoll_ctl(ep, UdpSys.EPOLL_CTL_ADD, fd, scratch) != 0) {
            throw new IllegalStateException("epoll_ctl ADD " + fd + " failed: errno " + UdpSys.Holder.errno());
        }
    }

    /** Serves {@code socket} from the next wake-up on, with the scope {@code scope} supplies per query. */
    void register(NativeUdpSocket socket, Supplier<DnsScope> scope) {
        execute(() -> {
            if (ended) {
                socket.closed(); // the loop ended first: nothing will serve it
                return;
            }
            int fd = socket.fd();
            if (fd >= byFd.length) {
                byFd = Arrays.copyOf(byFd, Math.max(fd + 1, byFd.length * 2));
            }
            byFd[fd] = new Served(socket, scope);
            try {
                watch(epfd, fd);
            } catch (IllegalStateException e) {
                byFd[fd] = null;
                log.warn("UDP DNS socket {} not served: {}", socket, e.getMessage());
            }
        });
    }

    /** Stops serving {@code socket} and closes it, gone from the kernel when this returns. */
    void close(NativeUdpSocket socket) {
        if (!socket.isOpen()) {
            return;
        }
        if (ended || Thread.currentThread() == thread) {
            closeNow(socket);
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        execute(() -> {
            closeNow(socket);
            done.complete(null);
        });
        try {
            done.get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("UDP DNS socket {} not closed by its loop: {}", socket, e.toString());
        }
    }

    private void closeNow(NativeUdpSocket socket) {
        if (!socket.isOpen()) {
            return;
        }
        int fd = socket.fd();
        if (!ended && fd < byFd.length && byFd[fd] != null && byFd[fd].socket() == socket) {
            byFd[fd] = null;
            sys.epoll_ctl(epfd, UdpSys.EPOLL_CTL_DEL, fd, 0);
        }
        socket.closed();
    }

    /** Runs {@code task} on this loop's thread, waking it if it sleeps. */
    void execute(Runnable task) {
        pending.add(task);
        if (Thread.currentThread() == thread) {
            return;
        }
        if (wakeupSent.compareAndSet(false, true)) {
            synchronized (wakeLock) {
                if (!ended) {
                    sys.write(wakeFd, wakeValue, 8);
                    return;
                }
            }
        }
        if (ended) {
            runPending(); // the loop has ended: its sockets are closed, a task only releases
        }
    }

    private void run() {
        try {
            while (open) {
                int n = sys.epoll_wait(epfd, events, MAX_EVENTS, -1);
                if (n < 0) {
                    int errno = UdpSys.Holder.errno();
                    if (errno != UdpSys.EINTR) {
                        log.warn("UDP DNS epoll_wait failed: errno {}; serving on", errno);
                    }
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    int fd = (int) PlatformDependent.getLong(events + (long) i * EVENT_SIZE + EVENT_DATA);
                    if (fd == wakeFd) {
                        sys.read(wakeFd, scratch, 8);
                        wakeupSent.set(false);
                    } else if (fd < byFd.length && byFd[fd] != null) {
                        drain(byFd[fd]);
                    }
                }
                runPending();
            }
        } finally {
            runPending();
            for (Served s : byFd) {
                if (s != null) {
                    s.socket().closed();
                }
            }
            synchronized (wakeLock) {
                ended = true;
                sys.close(epfd);
                sys.close(wakeFd);
                PlatformDependent.freeDirectBuffer(block);
            }
            runPending();
        }
    }

    private void runPending() {
        Runnable r;
        while ((r = pending.poll()) != null) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.warn("UDP DNS loop task failed", e);
            }
        }
    }

    /** Answers what {@code served}'s socket holds, a few batches at most (epoll says if more came). */
    private void drain(Served served) {
        int fd = served.socket().fd();
        for (int turn = 0; turn < BATCHES_PER_TURN; turn++) {
            int received = sys.recvmmsg(fd, receiveHeaders, BATCH, UdpSys.MSG_DONTWAIT, 0);
            if (received <= 0) {
                if (received < 0) {
                    int errno = UdpSys.Holder.errno();
                    if (errno != UdpSys.EAGAIN && errno != UdpSys.EINTR) {
                        log.debug("UDP DNS socket {}: recvmmsg errno {}", served.socket(), errno);
                    }
                }
                return;
            }
            responder.metrics().udpReceived(received);
            DnsScope scope = served.scope().get();
            int replies = 0;
            for (int i = 0; i < received; i++) {
                long rh = receiveHeaders + (long) i * MMSG_SIZE;
                int length = PlatformDependent.getInt(rh + MSG_LEN);
                int nameLength = PlatformDependent.getInt(rh + MSG_NAMELEN);
                PlatformDependent.putInt(rh + MSG_NAMELEN, NativeUdpSocket.SOCKADDR_SIZE); // for the next call
                ByteBuf query = queries[i].setIndex(0, length);
                ByteBuf answer = answers[i].clear();
                DnsResponder.Outcome outcome;
                try {
                    outcome = responder.respond(query, scope, false, answer);
                } catch (RuntimeException e) {
                    // A bug must cost one answer, never the socket.
                    log.warn("UDP query on {} failed", served.socket(), e);
                    continue;
                }
                long name = names + (long) i * NativeUdpSocket.SOCKADDR_SIZE;
                switch (outcome) {
                    case REPLIED -> {
                        long sh = sendHeaders + (long) replies * MMSG_SIZE;
                        PlatformDependent.putLong(sh + MSG_NAME, name);
                        PlatformDependent.putInt(sh + MSG_NAMELEN, nameLength);
                        long siov = PlatformDependent.getLong(sh + MSG_IOV);
                        PlatformDependent.putLong(siov, answerData + (long) i * slot);
                        PlatformDependent.putLong(siov + 8, answer.writerIndex());
                        replies++;
                    }
                    case DROPPED -> {}
                    case FORWARD -> {
                        ByteBuf copy = alloc.buffer(length).writeBytes(query, 0, length);
                        byte[] client = new byte[nameLength];
                        PlatformDependent.copyMemory(name, client, 0, nameLength);
                        forwarder.forward(copy, false, new Reply(this, served.socket(), client, responder, alloc));
                    }
                }
            }
            send(served.socket(), replies);
            if (received < BATCH) {
                return;
            }
        }
    }

    /** Sends the first {@code count} prepared answers; one that fails is lost, as UDP may lose it. */
    private void send(NativeUdpSocket socket, int count) {
        int sent = 0;
        while (sent < count) {
            int n = sys.sendmmsg(socket.fd(), sendHeaders + (long) sent * MMSG_SIZE, count - sent, UdpSys.MSG_DONTWAIT);
            if (n > 0) {
                sent += n;
                continue;
            }
            int errno = UdpSys.Holder.errno();
            if (errno == UdpSys.EAGAIN) {
                return; // the socket's send buffer is full: the rest are lost, clients retry
            }
            if (errno != UdpSys.EINTR) {
                log.debug("UDP DNS answer on {} not sent: errno {}", socket, errno);
                sent++; // this answer's destination failed; the others may still go
            }
        }
    }

    /** Sends one answer from this loop's thread (forwarded queries). */
    private void sendOne(NativeUdpSocket socket, byte[] client, ByteBuf response) {
        if (ended || !socket.isOpen()) {
            return;
        }
        int length = response.readableBytes();
        long address;
        if (response.hasMemoryAddress()) {
            address = response.memoryAddress() + response.readerIndex();
        } else if (length <= slot) {
            // answer slot 0 is free between batches
            response.getBytes(response.readerIndex(), answers[0].clear(), length);
            address = answerData;
        } else {
            log.debug("UDP DNS answer of {} bytes on {} not sent: larger than a slot", length, socket);
            return;
        }
        // One message through the first send header (free between batches): sendmmsg, as for
        // local answers.
        PlatformDependent.copyMemory(client, 0, scratch, client.length);
        PlatformDependent.putLong(sendHeaders + MSG_NAME, scratch);
        PlatformDependent.putInt(sendHeaders + MSG_NAMELEN, client.length);
        long iov = PlatformDependent.getLong(sendHeaders + MSG_IOV);
        PlatformDependent.putLong(iov, address);
        PlatformDependent.putLong(iov + 8, length);
        send(socket, 1);
    }

    /** Stops the thread and closes the sockets it still serves. */
    @Override
    public void close() {
        if (!open) {
            return;
        }
        open = false;
        execute(() -> {});
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Reply(
            MmsgUdpLoop loop, NativeUdpSocket socket, byte[] client, DnsResponder responder, ByteBufAllocator alloc)
            implements ForwardCallback {
        @Override
        public void answered(ByteBuf response) {
            responder.metrics().response(response.getUnsignedByte(response.readerIndex() + 3) & 0xF);
            loop.execute(() -> {
                try {
                    loop.sendOne(socket, client, response);
                } finally {
                    response.release();
                }
            });
        }

        @Override
        public void failed(ByteBuf query) {
            ByteBuf servfail = alloc.buffer(DnsWire.CLASSIC_UDP_LIMIT);
            if (!responder.error(query, false, DnsWire.SERVFAIL, servfail)) {
                servfail.release();
                return;
            }
            responder.metrics().response(DnsWire.SERVFAIL);
            loop.execute(() -> {
                try {
                    loop.sendOne(socket, client, servfail);
                } finally {
                    servfail.release();
                }
            });
        }
    }
}
