package io.shoal.netlink.socket;

import io.shoal.netlink.Errno;
import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.codec.Align;
import io.shoal.netlink.codec.ErrorMessage;
import io.shoal.netlink.codec.MessageBuilder;
import io.shoal.netlink.codec.MessageParser;
import io.shoal.netlink.codec.NetlinkMessage;
import io.shoal.netlink.sys.LibC;
import io.shoal.netlink.sys.Native;
import io.shoal.netlink.uapi.GenetlinkH;
import io.shoal.netlink.uapi.NetlinkH;
import io.shoal.netlink.uapi.NfnetlinkH;
import io.shoal.netlink.uapi.RtnetlinkH;
import io.shoal.netlink.uapi.SocketH;
import java.io.Closeable;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import jnr.ffi.Pointer;

/**
 * A netlink socket talking to the kernel: one request at a time (methods are synchronized), replies
 * matched by sequence number, received into one direct buffer reused for the socket's life.
 *
 * <p>A socket stays in the network namespace of the thread that opened it, so to talk to another
 * namespace open the socket inside it ({@code NetNs.openSocket}).
 *
 * <p>Errors come back as {@link NetlinkException} naming the request's message type, what it was
 * for, and the errno; replies that do not parse throw {@code MalformedMessageException}.
 */
public final class NetlinkSocket implements Closeable {
    /** Initial receive buffer: the kernel sizes dump datagrams to at most 32 KiB. */
    public static final int DEFAULT_RECEIVE_BUFFER = 32 * 1024;

    private static final int SOCKADDR_NL_SIZE = 12;
    private static final int MAX_DUMP_ATTEMPTS = 5;
    /** Requests packed per datagram in a batch; their acks must fit the socket's receive queue. */
    private static final int BATCH_WINDOW = 64;
    /** Largest datagram a batch sends. */
    private static final int BATCH_DATAGRAM = 32 * 1024;
    /** Requests in one {@link #executeTransaction}: each ack takes ~1 KiB of the 208 KiB receive queue. */
    public static final int MAX_TRANSACTION_MESSAGES = 128;
    /** Bytes of one {@link #executeTransaction} datagram: below the default 208 KiB send buffer. */
    public static final int MAX_TRANSACTION_DATAGRAM = 192 * 1024;

    private final LibC libc = Native.libc();
    private final int protocol;
    private final int fd;
    private final int portId;
    private final ByteBuffer kernelAddress;
    private final Pointer kernelAddressPointer;
    private final ByteBuffer sourceAddress;
    private final Pointer sourceAddressPointer;
    private final ByteBuffer sourceLength;
    private final Pointer sourceLengthPointer;
    private ByteBuffer receiveBuffer;
    private Pointer receivePointer;
    private ByteBuffer sendBuffer;
    private Pointer sendPointer;
    private int sequence;
    private long datagramsReceived;
    private boolean closed;

    private NetlinkSocket(int protocol, Duration receiveTimeout, int receiveBufferSize) {
        this.protocol = protocol;
        this.kernelAddress = direct(SOCKADDR_NL_SIZE);
        kernelAddress.putShort(0, (short) SocketH.AF_NETLINK); // nl_pid 0 = the kernel, no groups
        this.kernelAddressPointer = pointer(kernelAddress);
        this.sourceAddress = direct(SOCKADDR_NL_SIZE);
        this.sourceAddressPointer = pointer(sourceAddress);
        this.sourceLength = direct(4);
        this.sourceLengthPointer = pointer(sourceLength);
        this.receiveBuffer = direct(receiveBufferSize);
        this.receivePointer = pointer(receiveBuffer);
        this.sendBuffer = direct(4096);
        this.sendPointer = pointer(sendBuffer);

        String opening = "socket(AF_NETLINK, SOCK_RAW, " + protocolName(protocol) + ")";
        int s = libc.socket(SocketH.AF_NETLINK, SocketH.SOCK_RAW | SocketH.SOCK_CLOEXEC, protocol);
        if (s < 0) {
            throw new NetlinkException(opening, Native.lastErrno(), null);
        }
        this.fd = s;
        try {
            if (libc.bind(fd, kernelAddressPointer, SOCKADDR_NL_SIZE) < 0) {
                throw new NetlinkException("bind " + opening, Native.lastErrno(), null);
            }
            sourceLength.putInt(0, SOCKADDR_NL_SIZE);
            if (libc.getsockname(fd, sourceAddressPointer, sourceLengthPointer) < 0) {
                throw new NetlinkException("getsockname " + opening, Native.lastErrno(), null);
            }
            this.portId = sourceAddress.getInt(4);
            // Acks echo only the request header, and errors carry the kernel's explanation.
            setIntOption(NetlinkH.SOL_NETLINK, NetlinkH.NETLINK_CAP_ACK, 1, false);
            setIntOption(NetlinkH.SOL_NETLINK, NetlinkH.NETLINK_EXT_ACK, 1, false);
            setReceiveTimeout(receiveTimeout);
        } catch (RuntimeException e) {
            libc.close(fd);
            throw e;
        }
    }

    /** Opens a socket for {@code protocol} ({@code NETLINK_ROUTE}, {@code NETLINK_GENERIC}) in this thread's namespace. */
    public static NetlinkSocket open(int protocol) {
        return open(protocol, Duration.ofSeconds(10), DEFAULT_RECEIVE_BUFFER);
    }

    /**
     * Opens a socket whose receives give up after {@code receiveTimeout} with {@code EAGAIN}, with a
     * receive buffer of {@code receiveBufferSize} bytes to start with (it grows when a larger datagram
     * is peeked).
     */
    public static NetlinkSocket open(int protocol, Duration receiveTimeout, int receiveBufferSize) {
        Objects.requireNonNull(receiveTimeout, "receiveTimeout");
        if (receiveTimeout.isNegative() || receiveTimeout.isZero()) {
            throw new IllegalArgumentException("receiveTimeout must be positive, was " + receiveTimeout);
        }
        if (receiveBufferSize < 64) {
            throw new IllegalArgumentException("receiveBufferSize must be >= 64, was " + receiveBufferSize);
        }
        return new NetlinkSocket(protocol, receiveTimeout, receiveBufferSize);
    }

    /** The netlink protocol this socket speaks. */
    public int protocol() {
        return protocol;
    }

    /** The port id the kernel gave this socket. */
    public int portId() {
        return portId;
    }

    /** Datagrams received so far (a dump of many objects spans several). */
    public synchronized long datagramsReceived() {
        return datagramsReceived;
    }

    /** Current receive buffer size; grows when the kernel sends a larger datagram. */
    public synchronized int receiveBufferSize() {
        return receiveBuffer.capacity();
    }

    /**
     * Sends a request that changes something and waits for the kernel's ack ({@code NLM_F_ACK} is
     * added).
     *
     * @param what what the request is for, used in errors, e.g. {@code create veth "a"}
     * @throws NetlinkException when the kernel answers with an errno
     */
    public synchronized void execute(MessageBuilder request, String what) {
        exchange(request, what, NetlinkH.NLM_F_ACK, false, (m, out) -> {});
    }

    /**
     * Sends a GET for one object and decodes the replies that precede the ack.
     *
     * @throws NetlinkException when the kernel answers with an errno (e.g. {@code ENODEV})
     */
    public synchronized <T> List<T> query(MessageBuilder request, String what, ReplyDecoder<T> decoder) {
        return exchange(request, what, NetlinkH.NLM_F_ACK, true, decoder);
    }

    /**
     * Sends a dump request ({@code NLM_F_DUMP} is added) and decodes every reply up to
     * {@code NLMSG_DONE}. A dump the kernel marks inconsistent ({@code NLM_F_DUMP_INTR}) is retried.
     */
    public synchronized <T> List<T> dump(MessageBuilder request, String what, ReplyDecoder<T> decoder) {
        for (int attempt = 1; ; attempt++) {
            try {
                return exchange(request, what, NetlinkH.NLM_F_DUMP, true, decoder);
            } catch (DumpInterrupted e) {
                if (attempt == MAX_DUMP_ATTEMPTS) {
                    throw new NetlinkException(
                            describe(request, what),
                            Errno.EINTR.code(),
                            "dump interrupted by concurrent changes " + attempt + " times");
                }
            }
        }
    }

    /**
     * Sends many change requests, packed up to 64 to a datagram, and reads all their acks: one
     * {@code sendto} per window instead of one per request. The kernel handles each message of a
     * datagram on its own, so each request succeeds or fails as if sent alone; the outcome lists
     * the failures by position. Nothing is thrown for a refused request; a socket error throws.
     */
    public synchronized BatchOutcome executeAll(List<Request> requests) {
        ensureOpen();
        Objects.requireNonNull(requests, "requests");
        SortedMap<Integer, NetlinkException> failures = new TreeMap<>();
        int next = 0;
        while (next < requests.size()) {
            int windowStart = next;
            int firstSequence = sequence >= Integer.MAX_VALUE - BATCH_WINDOW ? 1 : sequence + 1;
            sequence = firstSequence - 1;
            sendBuffer.clear();
            while (next < requests.size() && next - windowStart < BATCH_WINDOW) {
                MessageBuilder message = requests.get(next).message();
                int length = message.length();
                if (next > windowStart && sendBuffer.position() + Align.align4(length) > BATCH_DATAGRAM) {
                    break;
                }
                message.addFlags(NetlinkH.NLM_F_ACK).sequence(nextSequence());
                appendToSendBuffer(message.finish());
                next++;
            }
            int window = next - windowStart;
            sendBuffered(requests.get(windowStart), window);
            readBatchAcks(requests, windowStart, window, firstSequence, failures);
        }
        return new BatchOutcome(requests.size(), failures);
    }

    /**
     * Sends {@code begin}, every request and {@code end} as <em>one</em> datagram, for protocols
     * whose transactions are framed by envelope messages (nfnetlink's {@code NFNL_MSG_BATCH_BEGIN} /
     * {@code _END}: the kernel applies all requests between them or none). Every request asks for
     * an ack; the envelope does not. Reads until every request is answered, or until the kernel
     * answers the envelope itself with an error (a refused or failed batch as a whole, reported at
     * the begin message's sequence number), which is then reported at position -1.
     *
     * <p>At most {@link #MAX_TRANSACTION_MESSAGES} requests and {@link #MAX_TRANSACTION_DATAGRAM}
     * bytes: the datagram must fit the socket's send buffer and the acks its receive queue.
     *
     * @return the refusals by position ({@code -1}: the envelope); nothing is thrown for a refusal
     * @throws IllegalArgumentException when the transaction is empty or too large for one datagram
     */
    public synchronized BatchOutcome executeTransaction(
            MessageBuilder begin, List<Request> requests, MessageBuilder end) {
        ensureOpen();
        Objects.requireNonNull(begin, "begin");
        Objects.requireNonNull(end, "end");
        Objects.requireNonNull(requests, "requests");
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("a transaction needs at least one request");
        }
        if (requests.size() > MAX_TRANSACTION_MESSAGES) {
            throw new IllegalArgumentException("a transaction takes at most " + MAX_TRANSACTION_MESSAGES
                    + " requests (their acks must fit the receive queue), got " + requests.size());
        }
        int bytes = Align.align4(begin.length()) + Align.align4(end.length());
        for (Request r : requests) {
            bytes += Align.align4(r.message().length());
        }
        if (bytes > MAX_TRANSACTION_DATAGRAM) {
            throw new IllegalArgumentException("a transaction is sent as one datagram of at most "
                    + MAX_TRANSACTION_DATAGRAM + " bytes, this one has " + bytes);
        }
        int count = requests.size() + 2;
        int firstSequence = sequence >= Integer.MAX_VALUE - count ? 1 : sequence + 1;
        sequence = firstSequence - 1;
        sendBuffer.clear();
        appendToSendBuffer(begin.sequence(nextSequence()).finish());
        for (Request r : requests) {
            appendToSendBuffer(r.message()
                    .addFlags(NetlinkH.NLM_F_ACK)
                    .sequence(nextSequence())
                    .finish());
        }
        int endSequence = nextSequence();
        appendToSendBuffer(end.sequence(endSequence).finish());
        Request first = requests.get(0);
        sendBuffered(first, count);

        SortedMap<Integer, NetlinkException> failures = new TreeMap<>();
        boolean[] answered = new boolean[requests.size()];
        int[] pending = {requests.size()};
        boolean[] envelopeFailed = {false};
        while (pending[0] > 0 && !envelopeFailed[0]) {
            int n = receive(false, first.message(), first.what());
            if (n < 0) {
                continue;
            }
            MessageParser.forEach(receiveBuffer, 0, n, message -> {
                if (!message.isError()) {
                    return;
                }
                int seq = message.header().sequence();
                ErrorMessage error = message.error();
                if (seq == firstSequence || seq == endSequence) {
                    if (!error.isAck() && !envelopeFailed[0]) {
                        envelopeFailed[0] = true;
                        MessageBuilder envelope = seq == firstSequence ? begin : end;
                        failures.put(
                                -1,
                                new NetlinkException(
                                        describe(envelope, "transaction of " + requests.size() + " requests"),
                                        error.errno(),
                                        error.kernelMessage().orElse(null)));
                    }
                    return;
                }
                int slot = seq - firstSequence - 1;
                if (slot < 0 || slot >= requests.size() || answered[slot]) {
                    return; // a late answer to an earlier request
                }
                answered[slot] = true;
                pending[0]--;
                if (!error.isAck()) {
                    Request r = requests.get(slot);
                    failures.put(
                            slot,
                            new NetlinkException(
                                    describe(r.message(), r.what()),
                                    error.errno(),
                                    error.kernelMessage().orElse(null)));
                }
            });
        }
        return new BatchOutcome(requests.size(), failures);
    }

    private void appendToSendBuffer(ByteBuffer message) {
        int padded = Align.align4(message.remaining());
        if (sendBuffer.remaining() < padded) {
            ByteBuffer bigger = direct(Math.max(sendBuffer.capacity() * 2, sendBuffer.position() + padded));
            // Wrap before copying: a pointer wrapped at a non-zero position starts there (and
            // covers only what remains), which sent garbage (EINVAL) or failed with EFAULT.
            sendPointer = pointer(bigger);
            bigger.put(sendBuffer.flip());
            sendBuffer = bigger;
        }
        int start = sendBuffer.position();
        sendBuffer.put(message.duplicate());
        while (sendBuffer.position() < start + padded) {
            sendBuffer.put((byte) 0);
        }
    }

    private void sendBuffered(Request first, int window) {
        int length = sendBuffer.position();
        while (true) {
            long sent = libc.sendto(fd, sendPointer, length, 0, kernelAddressPointer, SOCKADDR_NL_SIZE);
            if (sent == length) {
                return;
            }
            int errno = sent < 0 ? Native.lastErrno() : Errno.EMSGSIZE.code();
            if (errno != Errno.EINTR.code()) {
                throw new NetlinkException(
                        "send batch of " + window + " from " + describe(first.message(), first.what()), errno, null);
            }
        }
    }

    private void readBatchAcks(
            List<Request> requests,
            int windowStart,
            int window,
            int firstSequence,
            SortedMap<Integer, NetlinkException> failures) {
        boolean[] answered = new boolean[window];
        int[] pending = {window};
        Request first = requests.get(windowStart);
        while (pending[0] > 0) {
            int n = receive(false, first.message(), first.what());
            if (n < 0) {
                continue;
            }
            MessageParser.forEach(receiveBuffer, 0, n, message -> {
                int slot = message.header().sequence() - firstSequence;
                if (!message.isError() || slot < 0 || slot >= window || answered[slot]) {
                    return; // not an answer to this window
                }
                answered[slot] = true;
                pending[0]--;
                ErrorMessage error = message.error();
                if (!error.isAck()) {
                    Request r = requests.get(windowStart + slot);
                    failures.put(
                            windowStart + slot,
                            new NetlinkException(
                                    describe(r.message(), r.what()),
                                    error.errno(),
                                    error.kernelMessage().orElse(null)));
                }
            });
        }
    }

    private <T> List<T> exchange(
            MessageBuilder request, String what, int extraFlags, boolean peekFirst, ReplyDecoder<T> decoder) {
        ensureOpen();
        int seq = nextSequence();
        request.addFlags(extraFlags).sequence(seq);
        send(request.finish(), request, what);
        List<T> out = new ArrayList<>();
        ExchangeState state = new ExchangeState();
        while (!state.finished) {
            int n = receive(peekFirst, request, what);
            if (n < 0) {
                continue;
            }
            MessageParser.forEach(receiveBuffer, 0, n, message -> {
                if (state.finished || message.header().sequence() != seq) {
                    return; // a late reply to an earlier request that gave up, or multicast noise
                }
                handle(message, request, what, decoder, out, state);
            });
        }
        if (state.interrupted) {
            throw new DumpInterrupted();
        }
        return out;
    }

    private <T> void handle(
            NetlinkMessage message,
            MessageBuilder request,
            String what,
            ReplyDecoder<T> decoder,
            List<T> out,
            ExchangeState state) {
        switch (message.type()) {
            case NetlinkH.NLMSG_ERROR -> {
                ErrorMessage error = message.error();
                state.finished = true;
                if (!error.isAck()) {
                    throw new NetlinkException(
                            describe(request, what),
                            error.errno(),
                            error.kernelMessage().orElse(null));
                }
            }
            case NetlinkH.NLMSG_DONE -> {
                state.finished = true;
                int status = message.doneStatus();
                if (status < 0) {
                    throw new NetlinkException(describe(request, what), -status, null);
                }
            }
            case NetlinkH.NLMSG_OVERRUN -> throw new NetlinkException(
                    describe(request, what), Errno.ENOBUFS.code(), "overrun");
            case NetlinkH.NLMSG_NOOP -> {}
            default -> {
                if (message.header().hasFlags(NetlinkH.NLM_F_DUMP_INTR)) {
                    state.interrupted = true;
                }
                // Requests end with an ack (NLM_F_ACK) or NLMSG_DONE (dumps), never with data.
                decoder.decode(message, out);
            }
        }
    }

    private void send(ByteBuffer message, MessageBuilder request, String what) {
        int length = message.remaining();
        if (sendBuffer.capacity() < length) {
            sendBuffer = direct(Math.max(length, sendBuffer.capacity() * 2));
            sendPointer = pointer(sendBuffer);
        }
        sendBuffer.clear();
        sendBuffer.put(message.duplicate());
        while (true) {
            long sent = libc.sendto(fd, sendPointer, length, 0, kernelAddressPointer, SOCKADDR_NL_SIZE);
            if (sent == length) {
                return;
            }
            int errno = sent < 0 ? Native.lastErrno() : Errno.EMSGSIZE.code();
            if (errno != Errno.EINTR.code()) {
                throw new NetlinkException("send " + describe(request, what), errno, null);
            }
        }
    }

    /** Receives one datagram; returns its length, or -1 when it was not from the kernel. */
    private int receive(boolean peekFirst, MessageBuilder request, String what) {
        if (peekFirst) {
            long size = recv(SocketH.MSG_PEEK | SocketH.MSG_TRUNC, request, what);
            if (size > receiveBuffer.capacity()) {
                int grown = (int) Math.min(Integer.MAX_VALUE - 4096, (size + 4095) & ~4095L);
                receiveBuffer = direct(grown);
                receivePointer = pointer(receiveBuffer);
            }
        }
        long size = recv(SocketH.MSG_TRUNC, request, what);
        if (size > receiveBuffer.capacity()) {
            throw new NetlinkException(
                    "receive reply to " + describe(request, what),
                    Errno.EMSGSIZE.code(),
                    "a " + size + "-byte reply did not fit the " + receiveBuffer.capacity() + "-byte buffer");
        }
        datagramsReceived++;
        if (sourceAddress.getInt(4) != 0) {
            return -1; // only the kernel (port 0) may answer; ignore anything a process sends us
        }
        return (int) size;
    }

    private long recv(int flags, MessageBuilder request, String what) {
        while (true) {
            sourceLength.putInt(0, SOCKADDR_NL_SIZE);
            long n = libc.recvfrom(
                    fd, receivePointer, receiveBuffer.capacity(), flags, sourceAddressPointer, sourceLengthPointer);
            if (n >= 0) {
                return n;
            }
            int errno = Native.lastErrno();
            if (errno == Errno.EINTR.code()) {
                continue;
            }
            String hint = errno == Errno.EAGAIN.code() ? "no reply before the receive timeout" : null;
            throw new NetlinkException("receive reply to " + describe(request, what), errno, hint);
        }
    }

    private void setReceiveTimeout(Duration timeout) {
        ByteBuffer timeval = direct(16); // struct timeval { long tv_sec; long tv_usec; } on 64-bit
        timeval.putLong(0, timeout.getSeconds());
        timeval.putLong(8, timeout.getNano() / 1000);
        int result = libc.setsockopt(fd, SocketH.SOL_SOCKET, SocketH.SO_RCVTIMEO, pointer(timeval), 16);
        Reference.reachabilityFence(timeval); // the native call read through a pointer into it
        if (result < 0) {
            throw new NetlinkException("setsockopt(SO_RCVTIMEO)", Native.lastErrno(), null);
        }
    }

    private void setIntOption(int level, int option, int value, boolean required) {
        ByteBuffer v = direct(4);
        v.putInt(0, value);
        int result = libc.setsockopt(fd, level, option, pointer(v), 4);
        Reference.reachabilityFence(v);
        if (result < 0 && required) {
            throw new NetlinkException("setsockopt(" + level + ", " + option + ")", Native.lastErrno(), null);
        }
    }

    private int nextSequence() {
        sequence = sequence == Integer.MAX_VALUE ? 1 : sequence + 1;
        return sequence;
    }

    private String describe(MessageBuilder request, String what) {
        return typeName(request.type()) + " " + what;
    }

    private String typeName(int type) {
        if (protocol == NetlinkH.NETLINK_ROUTE) {
            return RtnetlinkH.messageTypeName(type);
        }
        if (protocol == NfnetlinkH.NETLINK_NETFILTER) {
            return NfnetlinkH.messageTypeName(type);
        }
        String control = NetlinkH.controlMessageName(type);
        if (control != null) {
            return control;
        }
        return type == GenetlinkH.GENL_ID_CTRL ? "GENL_ID_CTRL" : "genl family " + type;
    }

    private static String protocolName(int protocol) {
        return switch (protocol) {
            case NetlinkH.NETLINK_ROUTE -> "NETLINK_ROUTE";
            case NetlinkH.NETLINK_GENERIC -> "NETLINK_GENERIC";
            case NfnetlinkH.NETLINK_NETFILTER -> "NETLINK_NETFILTER";
            default -> "protocol " + protocol;
        };
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("netlink socket is closed");
        }
    }

    /** True until {@link #close}. */
    public synchronized boolean isOpen() {
        return !closed;
    }

    /** Closes the socket; later requests throw {@link IllegalStateException}. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            libc.close(fd);
        }
    }

    private static ByteBuffer direct(int size) {
        return ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
    }

    private static Pointer pointer(ByteBuffer directBuffer) {
        return Pointer.wrap(Native.runtime(), directBuffer);
    }

    private static final class ExchangeState {
        boolean finished;
        boolean interrupted;
    }

    private static final class DumpInterrupted extends RuntimeException {
        DumpInterrupted() {
            super(null, null, false, false);
        }
    }
}
