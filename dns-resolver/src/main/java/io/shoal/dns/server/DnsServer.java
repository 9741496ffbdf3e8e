package io.shoal.dns.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.shoal.dns.forward.UpstreamForwarder;
import io.shoal.dns.metrics.DnsMetrics;
import io.shoal.dns.resolve.DnsResponder;
import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.resolve.Resolver;
import io.shoal.dns.transport.SocketNamespace;
import io.shoal.dns.transport.Transport;
import io.shoal.dns.wire.DnsWire;
import io.shoal.model.table.ServiceTable;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded DNS server: one event loop group and one upstream forwarder serving any number of
 * {@link DnsBinding bindings}, one per container, each a UDP and a TCP socket on the same address
 * and port answering with that container's scope.
 *
 * <p>Lifecycle: {@link #start} → {@link #bind}/{@link #update} any number of times → {@link
 * #close}. {@link #update} may be called from any thread but not from an event loop: it builds the
 * new name index on the calling thread.
 */
public final class DnsServer implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(DnsServer.class);
    private static final int BIND_ATTEMPTS = 8;
    private static final int UDP_BATCH = 16;

    private enum State {
        STARTED,
        CLOSED
    }

    private final DnsServerConfig config;
    private final Transport transport;
    private final EventLoopGroup group;
    private final DnsMetrics metrics = new DnsMetrics();
    private final Resolver resolver;
    private final DnsResponder responder;
    private final UpstreamForwarder forwarder;
    private final List<SelectorUdpLoop> udpLoops = new ArrayList<>();
    private final List<MmsgUdpLoop> mmsgLoops = new ArrayList<>();
    private final Set<DnsBinding> bindings = ConcurrentHashMap.newKeySet();
    private final AtomicReference<State> state = new AtomicReference<>(State.STARTED);

    private DnsServer(DnsServerConfig config) {
        this.config = config;
        this.transport = config.transport().orElseGet(Transport::best);
        transport.ensureAvailability();
        if (!config.udpIo().isAvailable()) {
            throw new IllegalStateException(
                    "UDP I/O " + config.udpIo() + " is not available here: "
                            + config.udpIo().unavailabilityCause(),
                    config.udpIo().unavailabilityCause());
        }
        log.info(
                "DNS server on transport {} with {} event loop thread(s), UDP by {}, upstreams {}",
                transport,
                config.threads(),
                config.udpIo(),
                config.upstream().servers());
        this.group = new MultiThreadIoEventLoopGroup(
                config.threads(), new DefaultThreadFactory("shoal-dns", true), transport.ioHandlerFactory());
        this.resolver = new Resolver(config.ttls());
        this.responder = new DnsResponder(resolver, metrics, config.udpCap());
        try {
            this.forwarder = UpstreamForwarder.start(config.upstream(), metrics, transport, group);
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
        try {
            for (int i = 0; i < config.threads(); i++) {
                String name = "shoal-dns-udp-" + (i + 1);
                switch (config.udpIo()) {
                    case MMSG -> mmsgLoops.add(new MmsgUdpLoop(name, responder, forwarder, config.udpCap()));
                    case SELECTOR -> udpLoops.add(new SelectorUdpLoop(name, responder, forwarder, config.udpCap()));
                    case TRANSPORT -> {}
                }
            }
        } catch (RuntimeException e) {
            mmsgLoops.forEach(MmsgUdpLoop::close);
            udpLoops.forEach(SelectorUdpLoop::close);
            forwarder.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Starts a server with no bindings, serving the empty table. */
    public static DnsServer start(DnsServerConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("config must not be null");
        }
        return new DnsServer(config);
    }

    /** The transport chosen at start. */
    public Transport transport() {
        return transport;
    }

    public DnsMetrics metrics() {
        return metrics;
    }

    /** Serves {@code table} from the next query on (builds the index on this thread). */
    public void update(ServiceTable table) {
        resolver.update(table);
    }

    /** The table served right now. */
    public ServiceTable table() {
        return resolver.index().table();
    }

    /** Binds in the host namespace (loopback tests, or a node-level resolver). */
    public DnsBinding bind(InetSocketAddress endpoint, DnsScope scope) {
        return bind(endpoint, scope, SocketNamespace.HOST);
    }

    /**
     * Opens a UDP and a TCP socket on {@code endpoint}, created in {@code namespace}, answering
     * with {@code scope}. Port 0 picks a port free for both protocols.
     *
     * @throws IllegalStateException when the server is closed or the address cannot be bound
     */
    public DnsBinding bind(InetSocketAddress endpoint, DnsScope scope, SocketNamespace namespace) {
        if (endpoint == null || scope == null || namespace == null) {
            throw new IllegalArgumentException("endpoint, scope and namespace must not be null");
        }
        if (state.get() != State.STARTED) {
            throw new IllegalStateException("DNS server is closed");
        }
        Exception last = null;
        int attempts = endpoint.getPort() == 0 ? BIND_ATTEMPTS : 1;
        for (int i = 0; i < attempts; i++) {
            try {
                return bindOnce(endpoint, scope, namespace);
            } catch (Exception e) { // Netty rethrows the checked BindException as is
                last = e;
            }
        }
        throw new IllegalStateException(
                "cannot bind DNS on " + endpoint + " in " + namespace + ": " + last.getMessage(), last);
    }

    private DnsBinding bindOnce(InetSocketAddress endpoint, DnsScope initial, SocketNamespace namespace) {
        AtomicReference<DnsScope> scope = new AtomicReference<>(initial);
        AtomicInteger tcpConnections = new AtomicInteger();
        Channel tcp = new ServerBootstrap()
                .group(group)
                .channelFactory(() -> namespace.open(transport::newServerSocketChannel))
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tcpConnections.incrementAndGet() > config.maxTcpConnections()) {
                            tcpConnections.decrementAndGet();
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> tcpConnections.decrementAndGet());
                        ch.pipeline()
                                .addLast(new IdleStateHandler(
                                        0, 0, config.tcpIdleTimeout().toMillis(), TimeUnit.MILLISECONDS))
                                .addLast(new LengthFieldBasedFrameDecoder(DnsWire.TCP_LIMIT + 2, 0, 2, 0, 2))
                                .addLast(new TcpDnsHandler(responder, forwarder, scope::get));
                    }
                })
                .bind(endpoint)
                .syncUninterruptibly()
                .channel();
        InetSocketAddress bound = (InetSocketAddress) tcp.localAddress();
        List<DnsBinding.UdpSocket> udp = new ArrayList<>();
        try {
            // One UDP socket per thread, all on the same address and port (SO_REUSEPORT): the
            // kernel spreads clients over them, so every thread reads and answers on its own
            // socket and no datagram changes threads. One thread (the default): one socket, no
            // option.
            int sockets = config.threads();
            if (!mmsgLoops.isEmpty()) {
                for (MmsgUdpLoop loop : mmsgLoops) {
                    NativeUdpSocket c = namespace.open(() -> NativeUdpSocket.open(bound, sockets > 1));
                    udp.add(new DnsBinding.UdpSocket(c::isOpen, () -> loop.close(c)));
                    loop.register(c, scope::get);
                }
            } else if (udpLoops.isEmpty()) {
                Iterator<EventExecutor> loops = group.iterator();
                for (int i = 0; i < sockets; i++) {
                    Channel c = bindUdp((EventLoop) loops.next(), bound, sockets > 1, scope, namespace);
                    udp.add(new DnsBinding.UdpSocket(
                            c::isOpen, () -> c.close().awaitUninterruptibly(2, TimeUnit.SECONDS)));
                }
            } else {
                for (SelectorUdpLoop loop : udpLoops) {
                    DatagramChannel c = namespace.open(() -> openDatagram(bound, sockets > 1));
                    udp.add(new DnsBinding.UdpSocket(c::isOpen, () -> loop.close(c)));
                    loop.register(c, scope::get);
                }
            }
        } catch (Exception e) {
            for (DnsBinding.UdpSocket c : udp) {
                c.close().run();
            }
            tcp.close().awaitUninterruptibly();
            throw e;
        }
        DnsBinding binding = new DnsBinding(bound, namespace, scope, udp, tcp, bindings::remove);
        bindings.add(binding);
        log.debug("bound {}", binding);
        return binding;
    }

    /** A bound, non-blocking {@code java.nio} UDP socket for the selector loops. */
    private static DatagramChannel openDatagram(InetSocketAddress bound, boolean reusePort) {
        DatagramChannel c = null;
        try {
            c = DatagramChannel.open(
                    bound.getAddress() instanceof Inet4Address
                            ? StandardProtocolFamily.INET
                            : StandardProtocolFamily.INET6);
            if (reusePort) {
                c.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            c.bind(bound);
            c.configureBlocking(false);
            return c;
        } catch (IOException e) {
            if (c != null) {
                try {
                    c.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw new UncheckedIOException("cannot bind UDP " + bound + ": " + e.getMessage(), e);
        }
    }

    private Channel bindUdp(
            EventLoop loop,
            InetSocketAddress bound,
            boolean reusePort,
            AtomicReference<DnsScope> scope,
            SocketNamespace namespace) {
        Bootstrap udpBootstrap = new Bootstrap();
        if (transport == Transport.EPOLL) {
            // recvmmsg: up to UDP_BATCH queries per system call instead of one per query, each
            // into a udpCap-sized slot (a bigger query is cut there: answered if its question
            // is whole, else FORMERR). Not set for io_uring: the same option measured slower
            // there (benchmarks/README.md).
            udpBootstrap
                    .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, config.udpCap())
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(config.udpCap() * UDP_BATCH));
        }
        if (reusePort) {
            udpBootstrap.option(transport.reusePortOption(), true);
        }
        return udpBootstrap
                .group(loop)
                .channelFactory(() -> namespace.open(transport::newDatagramChannel))
                .handler(new UdpDnsHandler(responder, forwarder, scope::get))
                .bind(bound)
                .syncUninterruptibly()
                .channel();
    }

    /** Closes every binding, the forwarder and the event loops. A second call does nothing. */
    @Override
    public void close() {
        if (!state.compareAndSet(State.STARTED, State.CLOSED)) {
            return;
        }
        for (DnsBinding b : bindings) {
            b.close();
        }
        for (SelectorUdpLoop loop : udpLoops) {
            loop.close();
        }
        for (MmsgUdpLoop loop : mmsgLoops) {
            loop.close();
        }
        forwarder.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
