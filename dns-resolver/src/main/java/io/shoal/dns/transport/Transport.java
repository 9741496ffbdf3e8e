package io.shoal.dns.transport;

import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.net.StandardSocketOptions;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty transports the server can run on, best first, each with an availability probe in the
 * manner of Netty's {@code Epoll.isAvailable()} / {@code unavailabilityCause()}.
 *
 * <p>Every channel constructor here opens its socket immediately, which is what lets a {@link
 * SocketNamespace} create it inside a container's network namespace.
 */
public enum Transport {
    IO_URING {
        @Override
        public Optional<Throwable> unavailabilityCause() {
            return Optional.ofNullable(IoUring.unavailabilityCause());
        }

        @Override
        public IoHandlerFactory ioHandlerFactory() {
            return IoUringIoHandler.newFactory();
        }

        @Override
        public DatagramChannel newDatagramChannel() {
            return new IoUringDatagramChannel();
        }

        @Override
        public ServerSocketChannel newServerSocketChannel() {
            return new IoUringServerSocketChannel();
        }

        @Override
        public SocketChannel newSocketChannel() {
            return new IoUringSocketChannel();
        }
    },
    EPOLL {
        @Override
        public Optional<Throwable> unavailabilityCause() {
            return Optional.ofNullable(Epoll.unavailabilityCause());
        }

        @Override
        public IoHandlerFactory ioHandlerFactory() {
            return EpollIoHandler.newFactory();
        }

        @Override
        public DatagramChannel newDatagramChannel() {
            return new EpollDatagramChannel();
        }

        @Override
        public ServerSocketChannel newServerSocketChannel() {
            return new EpollServerSocketChannel();
        }

        @Override
        public SocketChannel newSocketChannel() {
            return new EpollSocketChannel();
        }
    },
    NIO {
        @Override
        public Optional<Throwable> unavailabilityCause() {
            return Optional.empty();
        }

        @Override
        public IoHandlerFactory ioHandlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        public DatagramChannel newDatagramChannel() {
            return new NioDatagramChannel();
        }

        @Override
        public ServerSocketChannel newServerSocketChannel() {
            return new NioServerSocketChannel();
        }

        @Override
        public SocketChannel newSocketChannel() {
            return new NioSocketChannel();
        }
    };

    private static final Logger log = LoggerFactory.getLogger(Transport.class);

    /** Why this transport cannot run here, or empty when it can. */
    public abstract Optional<Throwable> unavailabilityCause();

    public boolean isAvailable() {
        return unavailabilityCause().isEmpty();
    }

    /** Throws naming the cause when this transport cannot run here. */
    public void ensureAvailability() {
        unavailabilityCause().ifPresent(cause -> {
            throw new IllegalStateException("transport " + this + " is not available: " + cause, cause);
        });
    }

    /** The I/O handler of this transport's event loops. */
    public abstract IoHandlerFactory ioHandlerFactory();

    /** A new UDP channel; its socket is opened by this call, in the caller's network namespace. */
    public abstract DatagramChannel newDatagramChannel();

    /** A new TCP listening channel; its socket is opened by this call. */
    public abstract ServerSocketChannel newServerSocketChannel();

    /** A new outgoing TCP channel. */
    public abstract SocketChannel newSocketChannel();

    /**
     * The option that sets {@code SO_REUSEPORT} on this transport's sockets: several UDP sockets on
     * one address and port, the kernel spreading datagrams over them by the sender's address and
     * port (one socket per event loop).
     */
    public ChannelOption<Boolean> reusePortOption() {
        return this == NIO ? NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT) : UnixChannelOption.SO_REUSEPORT;
    }

    /**
     * The order {@link #best()} probes in. Epoll comes first for DNS: measured side by side with
     * dnsperf (benchmarks/README.md), io_uring spent 1.3-1.4x the CPU per query of epoll and
     * answered fewer queries per second. Netty's io_uring datagram channel completes one datagram
     * per receive and per send operation, each a trip through the ring, while epoll reads up to 16
     * queries per recvmmsg and sends a read batch's answers with one sendmmsg. A DNS query is one
     * small datagram each way, so the per-datagram cost is all there is.
     */
    private static final Transport[] PREFERENCE = {EPOLL, IO_URING, NIO};

    /** The best available transport for DNS: epoll, else io_uring, else NIO. Logs why better ones were skipped. */
    public static Transport best() {
        for (Transport t : PREFERENCE) {
            Optional<Throwable> cause = t.unavailabilityCause();
            if (cause.isEmpty()) {
                return t;
            }
            log.debug("transport {} unavailable: {}", t, cause.get().toString());
        }
        return NIO;
    }
}
