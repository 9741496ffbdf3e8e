package io.shoal.ingress.tcp;

import io.netty.channel.Channel;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.RawUnixChannelOption;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.channel.uring.IoUringIoOps;
import io.netty.channel.uring.IoUringSocketChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One direction of a relay moved in the kernel: socket → pipe → socket with {@code splice(2)}, no
 * copy through user space (HAProxy's {@code splice-auto}). For io_uring channels only: readiness
 * comes from one-shot {@code IORING_OP_POLL_ADD}s this handle submits on the channels' own ring
 * (registered on their event loop), the splices are system calls on that loop (Netty's epoll native
 * {@code splice}). Netty's io_uring channel has no socket-to-socket API, and an {@code
 * IORING_OP_SPLICE} on a socket is punted to io_uring's blocking worker threads. Netty's io_uring
 * sockets are blocking descriptors, so the loop splices from the source only after a poll said it
 * has bytes, and both sockets get 1 µs (one jiffy) {@code SO_RCVTIMEO}/{@code SO_SNDTIMEO}: a full
 * sink returns {@code EAGAIN} instead of blocking the loop.
 *
 * <p>The pipe is drained before the next splice from the source (one pipe of bytes in flight per
 * direction, as the copy path keeps one chunk): a slow reader stops the source. A splice from the
 * source returning 0 with an empty pipe is either the end of the stream or "no data" (Netty's
 * wrapper maps {@code EAGAIN} to 0 as well); it, and a poll reporting {@code POLLRDHUP}/{@code
 * POLLHUP}, hand the direction back to the channel ({@link Owner#sourceQuiet}), whose own read then
 * sees the EOF (or data) and the relay's usual half-close path runs. So the end of a stream is never
 * decided here; a socket error ({@code POLLERR}, TCP state CLOSE) fails the splicer. Bytes the channel itself
 * reads meanwhile (Netty's io_uring channel reads on {@code POLLRDHUP} even with auto-read off) are
 * held by the owner until the pipe is drained ({@link #stopWhenDrained}), so order is kept.
 *
 * <p>All methods run on the channels' event loop (both channels of a relay share it). A channel's
 * descriptor is used only while that channel is open (checked before each call on that same loop,
 * so a closed and reused descriptor number is never touched). Polls still outstanding when the splicer closes
 * are cancelled by their user data (io_uring holds its own reference to the file until then).
 */
final class Splicer implements IoUringIoHandle {
    private static final Logger LOG = LoggerFactory.getLogger(Splicer.class);

    /** {@code -Dshoal.ingress.splice=false} turns splicing off (for before/after measurements). */
    static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("shoal.ingress.splice"));

    private static final boolean AVAILABLE = ENABLED && probe();

    private static final byte OP_POLL_ADD = 6;
    private static final byte OP_ASYNC_CANCEL = 14;
    private static final int POLLIN = 0x1;
    private static final int POLLOUT = 0x4;
    private static final int POLLERR = 0x8;
    private static final int POLLHUP = 0x10;
    private static final int POLLRDHUP = 0x2000;
    private static final int TCP_CLOSE = 7;
    private static final short POLL_SOURCE = 1;
    private static final short POLL_SINK = 2;
    private static final short CANCEL = 3;
    /** Bytes asked of one splice from the socket; the pipe's capacity limits what comes. */
    private static final int SPLICE_LEN = 1 << 20;
    /**
     * {@code SO_RCVTIMEO} / {@code SO_SNDTIMEO} (struct timeval) of 1 µs, which the kernel rounds up
     * to one jiffy: a splice on these blocking sockets returns {@code EAGAIN} after that instead of
     * blocking the event loop (a full sink: the splicer then polls for {@code POLLOUT}). Netty's own
     * ring operations on the sockets never block, so they are not affected.
     */
    private static final RawUnixChannelOption RCVTIMEO = new RawUnixChannelOption("SO_RCVTIMEO", 1, 20, 16);

    private static final RawUnixChannelOption SNDTIMEO = new RawUnixChannelOption("SO_SNDTIMEO", 1, 21, 16);

    /** What the relay learns from a splicer (called on the event loop). */
    interface Owner {
        /** {@code bytes} were read from the source into the pipe. */
        void splicedIn(Splicer s, int bytes);

        /** {@code bytes} of the pipe were written to the sink (progress; activity). */
        void splicedOut(Splicer s, int bytes);

        /**
         * The source was readable but gave nothing with the pipe empty (its end, or its bytes went to
         * the channel's own read): the splicer has stopped; the channel path takes over.
         */
        void sourceQuiet(Splicer s);

        /** The pipe was drained after {@link #stopWhenDrained}; the splicer has stopped. */
        void drainedAndStopped(Splicer s);

        /**
         * A splice failed (reset, broken pipe): the splicer has stopped; {@link #failedOnSource}
         * tells which side failed (the owner closes it, and its close ends the other).
         */
        void failed(Splicer s, IOException cause);
    }

    private final Channel source;
    private final Channel sink;
    private final int sourceFd;
    private final int sinkFd;
    private final Owner owner;

    private FileDescriptor pipeIn;
    private FileDescriptor pipeOut;
    private IoRegistration registration;
    /** User data of the outstanding poll (0: none). */
    private long pollId;

    private int inPipe;
    private boolean stopWhenDrained;
    private boolean stopped;
    private boolean failedOnSource;

    private Splicer(Channel source, Channel sink, Owner owner) {
        this.source = source;
        this.sink = sink;
        this.sourceFd = ((IoUringSocketChannel) source).fd().intValue();
        this.sinkFd = ((IoUringSocketChannel) sink).fd().intValue();
        this.owner = owner;
    }

    private static boolean probe() {
        try {
            if (!IoUring.isAvailable()) {
                return false;
            }
            if (!Epoll.isAvailable()) {
                LOG.info(
                        "splice off: the epoll native library (for splice(2)) is unavailable: {}",
                        String.valueOf(Epoll.unavailabilityCause()));
                return false;
            }
            return true;
        } catch (Throwable t) {
            LOG.info("splice off: {}", t.toString());
            return false;
        }
    }

    /** True when {@code a → b} can be spliced: both io_uring sockets and splice(2) reachable. */
    static boolean supports(Channel a, Channel b) {
        return AVAILABLE
                && a instanceof IoUringSocketChannel
                && b instanceof IoUringSocketChannel
                && a.eventLoop() == b.eventLoop();
    }

    /**
     * A splicer for {@code source → sink}, registered, not started ({@link #begin}). Returns null when
     * the pipe or the registration cannot be made; the caller goes on copying.
     */
    static Splicer open(Channel source, Channel sink, Owner owner) {
        Splicer s = new Splicer(source, sink, owner);
        try {
            FileDescriptor[] pipe = FileDescriptor.pipe();
            s.pipeIn = pipe[0];
            s.pipeOut = pipe[1];
        } catch (IOException e) {
            LOG.debug("no pipe for splice: {}", e.toString());
            return null;
        }
        if (!shortTimeout(source, RCVTIMEO) || !shortTimeout(sink, SNDTIMEO)) {
            s.closePipe();
            return null;
        }
        var f = ((IoEventLoop) source.eventLoop()).register(s);
        if (!f.isDone()) {
            // Registration from the loop itself completes at once; anything else is unexpected.
            f.cancel(false);
            s.closePipe();
            return null;
        }
        if (!f.isSuccess()) {
            LOG.debug("splice registration failed: {}", String.valueOf(f.cause()));
            s.closePipe();
            return null;
        }
        s.registration = f.getNow();
        return s;
    }

    /**
     * Starts splicing: nothing of the sink's own must be queued, and the source channel must not be
     * reading. Owner callbacks may run before this returns.
     */
    void begin() {
        waitForSource();
    }

    /** After {@link Owner#failed}: true when reading the source failed, false when writing the sink. */
    boolean failedOnSource() {
        return failedOnSource;
    }

    private static boolean shortTimeout(Channel ch, RawUnixChannelOption option) {
        ByteBuffer timeval = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
        timeval.putLong(0, 0L).putLong(8, 1L);
        try {
            return ch.config().setOption(option, timeval);
        } catch (RuntimeException e) {
            LOG.debug("cannot set {} for splice: {}", option, e.toString());
            return false;
        }
    }

    /** Bytes in the pipe (read from the source, not yet written to the sink). */
    int inPipe() {
        return inPipe;
    }

    boolean stopped() {
        return stopped;
    }

    /** Stop splicing once the pipe is empty ({@link Owner#drainedAndStopped}); at once if it is. */
    void stopWhenDrained() {
        if (stopped) {
            return;
        }
        stopWhenDrained = true;
        if (inPipe == 0) {
            stop();
            owner.drainedAndStopped(this);
        }
    }

    /**
     * Stops for good (a channel closed): cancels the outstanding poll, closes the pipe. Returns the
     * bytes left in the pipe (never written on).
     */
    int abort() {
        int left = inPipe;
        inPipe = 0;
        stop();
        return left;
    }

    private void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (registration != null) {
            if (pollId != 0) {
                registration.submit(new IoUringIoOps(
                        OP_ASYNC_CANCEL,
                        (byte) 0,
                        (short) 0,
                        -1,
                        0L,
                        pollId,
                        0,
                        0,
                        CANCEL,
                        (short) 0,
                        (short) 0,
                        0,
                        0L));
                pollId = 0;
            }
            // Removed once the cancelled poll's completion has come in.
            registration.cancel();
        }
        closePipe();
    }

    private void closePipe() {
        close(pipeIn);
        close(pipeOut);
    }

    private static void close(FileDescriptor fd) {
        if (fd != null) {
            try {
                fd.close();
            } catch (IOException e) {
                LOG.debug("closing pipe: {}", e.toString());
            }
        }
    }

    private void poll(int fd, int events, short what) {
        pollId = registration.submit(new IoUringIoOps(
                OP_POLL_ADD, (byte) 0, (short) 0, fd, 0L, 0L, 0, events, what, (short) 0, (short) 0, 0, 0L));
    }

    @Override
    public void handle(IoRegistration reg, IoEvent event) {
        IoUringIoEvent e = (IoUringIoEvent) event;
        if (e.data() == CANCEL) {
            return;
        }
        pollId = 0;
        if (stopped || !sink.isOpen()) {
            // A closed channel: the relay's channelInactive stops or aborts us.
            return;
        }
        int res = e.res();
        if (LOG.isTraceEnabled()) {
            LOG.trace(
                    "{} event data={} res={} inPipe={} stopWhenDrained={}",
                    source,
                    e.data(),
                    e.res(),
                    inPipe,
                    stopWhenDrained);
        }
        if (res < 0) {
            fail(new IOException("poll failed: " + res), e.data() == POLL_SOURCE);
        } else if (e.data() == POLL_SOURCE) {
            if ((res & POLLERR) != 0 || ((res & POLLHUP) != 0 && closed(source))) {
                // Reset (or another socket error): as a failed read on the copy path. A reset socket
                // whose error was already taken by the channel's own read (POLLHUP, state CLOSE) is
                // one too: handed over, that channel never reported it (seen as a hang).
                fail(new IOException("socket error (poll events 0x" + Integer.toHexString(res) + ")"), true);
            } else if ((res & (POLLRDHUP | POLLHUP)) != 0) {
                // The peer finished (or failed). Netty's channel reads by itself once it sees that
                // (POLLRDHUP), so from here on its reads and ours could interleave: hand over.
                // The pipe is empty (the source is polled only then).
                stop();
                owner.sourceQuiet(this);
            } else {
                pumpFromSource();
            }
        } else if (e.data() == POLL_SINK && drain()) {
            // Not another splice at once: only a poll of the source tells (through POLLRDHUP)
            // whether the channel may have a read of its own in flight by now.
            waitForSource();
        }
    }

    /**
     * True when the socket is in TCP state CLOSE (reset, or gone): no byte can come any more. Netty's
     * io_uring channel, with no read pending, may take a reset without reporting it.
     */
    static boolean closed(Channel ch) {
        try {
            return ((IoUringSocketChannel) ch).tcpInfo().state() == TCP_CLOSE;
        } catch (RuntimeException e) {
            return true;
        }
    }

    private void waitForSource() {
        if (stopped) {
            return;
        }
        if (stopWhenDrained) {
            stop();
            owner.drainedAndStopped(this);
            return;
        }
        if (source.isOpen() && sink.isOpen()) {
            poll(sourceFd, POLLIN | POLLRDHUP, POLL_SOURCE);
        }
    }

    /**
     * After a poll said the source is readable (and its peer has not finished): one splice source →
     * pipe, then pipe → sink, then a poll again. Netty's io_uring sockets are blocking descriptors
     * (io_uring does not need non-blocking ones), and {@code SPLICE_F_NONBLOCK} only concerns the
     * pipe: a splice from a socket with no bytes would wait (up to the 1 µs → one jiffy receive
     * timeout set in {@link #open}), so the source is spliced only when a poll said it has bytes;
     * with bytes there the kernel returns what it has without waiting. No ring submission happens
     * in between, so the channel cannot have started a read of its own meanwhile (it would first
     * have to see the POLLRDHUP).
     */
    private void pumpFromSource() {
        if (stopWhenDrained) {
            stop();
            owner.drainedAndStopped(this);
            return;
        }
        if (!source.isOpen() || !sink.isOpen()) {
            return;
        }
        int n;
        try {
            n = Native.splice(sourceFd, -1, pipeOut.intValue(), -1, SPLICE_LEN);
        } catch (IOException ex) {
            fail(ex, true);
            return;
        }
        if (n == 0) {
            // Readable, yet nothing: the end of the stream, or the channel's own read took the
            // bytes. The channel's read path decides which.
            stop();
            owner.sourceQuiet(this);
            return;
        }
        inPipe += n;
        owner.splicedIn(this, n);
        if (drain()) {
            waitForSource();
        }
    }

    /** Writes the pipe to the sink; false (and a poll for the sink) when it is full. */
    private boolean drain() {
        while (inPipe > 0) {
            int m;
            try {
                m = Native.splice(pipeIn.intValue(), -1, sinkFd, -1, inPipe);
            } catch (IOException ex) {
                fail(ex, false);
                return false;
            }
            if (m == 0) {
                poll(sinkFd, POLLOUT, POLL_SINK);
                return false;
            }
            inPipe -= m;
            owner.splicedOut(this, m);
            if (stopped) {
                return false;
            }
        }
        return true;
    }

    private void fail(IOException ex, boolean onSource) {
        failedOnSource = onSource;
        stop();
        owner.failed(this, ex);
    }

    @Override
    public void close() {
        // Called by the event loop when it shuts down or the registration is removed.
        closePipe();
    }
}
