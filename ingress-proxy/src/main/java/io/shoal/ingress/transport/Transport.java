package io.shoal.ingress.transport;

import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.Arrays;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Netty transport the proxy can run on, with Netty-style availability probes. {@link #best()}
 * picks io_uring, then epoll, then NIO, and logs the choice once per process.
 */
public enum Transport {
    IO_URING {
        @Override
        public boolean isAvailable() {
            return IoUring.isAvailable();
        }

        @Override
        public Throwable unavailabilityCause() {
            return IoUring.unavailabilityCause();
        }

        @Override
        IoHandlerFactory ioHandlerFactory() {
            return IoUringIoHandler.newFactory();
        }

        @Override
        public ChannelFactory<? extends ServerChannel> serverChannel() {
            return IoUringServerSocketChannel::new;
        }

        @Override
        public ChannelFactory<? extends SocketChannel> socketChannel() {
            return IoUringSocketChannel::new;
        }

        @Override
        public ChannelFactory<? extends DatagramChannel> datagramChannel() {
            return IoUringDatagramChannel::new;
        }

        @Override
        public ChannelOption<Boolean> transparentOption() {
            return IoUringChannelOption.IP_TRANSPARENT;
        }
    },
    EPOLL {
        @Override
        public boolean isAvailable() {
            return Epoll.isAvailable();
        }

        @Override
        public Throwable unavailabilityCause() {
            return Epoll.unavailabilityCause();
        }

        @Override
        IoHandlerFactory ioHandlerFactory() {
            return EpollIoHandler.newFactory();
        }

        @Override
        public ChannelFactory<? extends ServerChannel> serverChannel() {
            return EpollServerSocketChannel::new;
        }

        @Override
        public ChannelFactory<? extends SocketChannel> socketChannel() {
            return EpollSocketChannel::new;
        }

        @Override
        public ChannelFactory<? extends DatagramChannel> datagramChannel() {
            return EpollDatagramChannel::new;
        }

        @Override
        public ChannelOption<Boolean> transparentOption() {
            return EpollChannelOption.IP_TRANSPARENT;
        }
    },
    NIO {
        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public Throwable unavailabilityCause() {
            return null;
        }

        @Override
        IoHandlerFactory ioHandlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        public ChannelFactory<? extends ServerChannel> serverChannel() {
            return NioServerSocketChannel::new;
        }

        @Override
        public ChannelFactory<? extends SocketChannel> socketChannel() {
            return NioSocketChannel::new;
        }

        @Override
        public ChannelFactory<? extends DatagramChannel> datagramChannel() {
            return NioDatagramChannel::new;
        }

        @Override
        public ChannelOption<Boolean> transparentOption() {
            return null;
        }
    };

    private static final Logger LOG = LoggerFactory.getLogger(Transport.class);
    private static volatile Transport chosen;

    /** True when the native library loaded and the kernel supports this transport. */
    public abstract boolean isAvailable();

    /** Why {@link #isAvailable()} is false, or null when it is available. */
    public abstract Throwable unavailabilityCause();

    abstract IoHandlerFactory ioHandlerFactory();

    /** Channels that accept TCP connections on this transport. */
    public abstract ChannelFactory<? extends ServerChannel> serverChannel();

    /** Outbound TCP channels on this transport. */
    public abstract ChannelFactory<? extends SocketChannel> socketChannel();

    /** UDP channels on this transport. */
    public abstract ChannelFactory<? extends DatagramChannel> datagramChannel();

    /**
     * The socket option {@code IP_TRANSPARENT}, which lets an outbound connection bind the client's
     * (foreign) address, or null when the transport cannot set it (NIO).
     */
    public abstract ChannelOption<Boolean> transparentOption();

    /** Throws with the cause when this transport cannot be used here. */
    public Transport ensureAvailable() {
        if (!isAvailable()) {
            throw new IllegalStateException("transport " + this + " is not available here", unavailabilityCause());
        }
        return this;
    }

    /** An event loop group of {@code threads} loops (0: Netty's default) on this transport. */
    public MultiThreadIoEventLoopGroup newGroup(int threads, String name) {
        ensureAvailable();
        return new MultiThreadIoEventLoopGroup(
                threads, new io.netty.util.concurrent.DefaultThreadFactory(name, true), ioHandlerFactory());
    }

    /** The first available of io_uring, epoll, NIO; the choice is logged once per process. */
    public static Transport best() {
        Transport t = chosen;
        if (t != null) {
            return t;
        }
        synchronized (Transport.class) {
            if (chosen == null) {
                chosen = Arrays.stream(values())
                        .filter(Transport::isAvailable)
                        .findFirst()
                        .orElse(NIO);
                for (Transport other : values()) {
                    if (other == chosen) {
                        break;
                    }
                    LOG.info("transport {} unavailable: {}", other, String.valueOf(other.unavailabilityCause()));
                }
                LOG.info("ingress proxy transport: {}", chosen);
            }
            return chosen;
        }
    }

    /** Parses {@code io_uring}, {@code epoll} or {@code nio} (any case). */
    public static Transport parse(String name) {
        Optional<Transport> t = Arrays.stream(values())
                .filter(v -> v.name().equalsIgnoreCase(name == null ? "" : name.trim()))
                .findFirst();
        return t.orElseThrow(
                () -> new IllegalArgumentException("transport: '" + name + "' is not one of io_uring, epoll, nio"));
    }
}
