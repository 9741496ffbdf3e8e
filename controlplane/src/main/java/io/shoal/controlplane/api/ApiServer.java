package io.shoal.controlplane.api;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.shoal.controlplane.Lifecycle;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the {@link Api} over HTTP/1.1 on a unix domain socket (epoll) and, optionally, on TCP.
 * Requests are handled off the event loops, on a small executor group, because the API blocks on
 * ZooKeeper writes.
 */
public final class ApiServer implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    /** The largest request body accepted (a service spec is a few KiB). */
    static final int MAX_BODY = 1 << 20;

    private final Api api;
    private final Config config;
    private final Lifecycle lifecycle = new Lifecycle("api server");
    private final List<Channel> channels = new ArrayList<>();
    private EventLoopGroup group;
    private ExecutorService handlers;
    private InetSocketAddress tcpAddress;

    /**
     * Where to listen.
     *
     * @param socket the unix socket path (e.g. {@code /run/shoal/shoal.sock}); null for none
     * @param tcp a TCP address (keep it on loopback unless {@code tls} is given); null for none
     * @param tls TLS with client-certificate verification for the TCP address; null for plain TCP
     */
    public record Config(Path socket, InetSocketAddress tcp, ApiTls tls) {
        /** The default unix socket path. */
        public static final Path DEFAULT_SOCKET = Path.of("/run/shoal/shoal.sock");

        public Config {
            if (socket == null && tcp == null) {
                throw new IllegalArgumentException("api: neither a unix socket nor a TCP address to listen on");
            }
            if (tls != null && tcp == null) {
                throw new IllegalArgumentException("api: TLS is for the TCP listener; give a TCP address too");
            }
        }

        /** Without TLS. */
        public Config(Path socket, InetSocketAddress tcp) {
            this(socket, tcp, null);
        }
    }

    public ApiServer(Api api, Config config) {
        this.api = api;
        this.config = config;
    }

    /** True when unix domain sockets can be served (native epoll transport loaded). */
    public static boolean isUnixSocketAvailable() {
        return Epoll.isAvailable();
    }

    /** Why unix domain sockets cannot be served; null when they can. */
    public static Throwable unixSocketUnavailabilityCause() {
        return Epoll.unavailabilityCause();
    }

    /** Binds every configured address; throws if one cannot be bound (nothing stays open then). */
    public void start() {
        lifecycle.start();
        boolean epoll = Epoll.isAvailable();
        if (config.socket() != null && !epoll) {
            throw new IllegalStateException("api: unix socket " + config.socket() + " needs the epoll transport: "
                    + Epoll.unavailabilityCause());
        }
        group = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        handlers = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "shoal-api");
            t.setDaemon(true);
            return t;
        });
        try {
            if (config.socket() != null) {
                Path socket = config.socket();
                Files.createDirectories(socket.toAbsolutePath().getParent());
                Files.deleteIfExists(socket); // a stale socket of a previous run
                channels.add(bootstrap(EpollServerDomainSocketChannel.class, null)
                        .bind(new DomainSocketAddress(socket.toFile()))
                        .sync()
                        .channel());
                // Whoever can open the socket controls the cluster: owner and group only.
                Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
                log.info("api: listening on unix socket {}", socket);
            }
            if (config.tcp() != null) {
                SslContext ssl = config.tls() == null ? null : config.tls().serverContext();
                if (ssl == null && !config.tcp().getAddress().isLoopbackAddress()) {
                    log.warn(
                            "api: tcp {} is not loopback and has no TLS: anyone who can reach it controls the"
                                    + " cluster (give --tlscacert, --tlscert, --tlskey)",
                            config.tcp());
                }
                Channel ch = bootstrap(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class, ssl)
                        .bind(config.tcp())
                        .sync()
                        .channel();
                channels.add(ch);
                tcpAddress = (InetSocketAddress) ch.localAddress();
                log.info(
                        "api: listening on tcp {}{}",
                        tcpAddress,
                        ssl == null ? "" : " (TLS, client certificates verified)");
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("api: cannot listen: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("api: interrupted while binding", e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The bound TCP address (with the real port when 0 was asked), or null. */
    public InetSocketAddress tcpAddress() {
        return tcpAddress;
    }

    private ServerBootstrap bootstrap(Class<? extends io.netty.channel.ServerChannel> type, SslContext ssl) {
        return new ServerBootstrap().group(group).channel(type).childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (ssl != null) {
                    ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                }
                ch.pipeline()
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(MAX_BODY))
                        .addLast(new Handler(api, handlers));
            }
        });
    }

    @Override
    public void close() {
        if (lifecycle.close() || group != null) {
            for (Channel ch : channels) {
                ch.close().syncUninterruptibly();
            }
            channels.clear();
            if (handlers != null) {
                handlers.shutdown();
                try {
                    handlers.awaitTermination(2, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                handlers = null;
            }
            if (group != null) {
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
                group = null;
            }
            if (config.socket() != null) {
                try {
                    Files.deleteIfExists(config.socket());
                } catch (IOException e) {
                    log.warn("api: cannot remove {}: {}", config.socket(), e.getMessage());
                }
            }
        }
    }

    /**
     * One HTTP request → {@link Api#handle} → one response. The request is copied on the event loop
     * and served on the handler threads, since the API blocks on ZooKeeper.
     */
    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Api api;
        private final ExecutorService executor;

        Handler(Api api, ExecutorService executor) {
            this.api = api;
            this.executor = executor;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (!req.decoderResult().isSuccess()) {
                respond(
                        ctx,
                        Response.error(
                                400,
                                "request: not valid HTTP: "
                                        + req.decoderResult().cause()),
                        false);
                return;
            }
            QueryStringDecoder qs = new QueryStringDecoder(req.uri());
            Map<String, String> query = new HashMap<>();
            qs.parameters().forEach((k, v) -> query.put(k, v.isEmpty() ? "" : v.get(0)));
            Request request = new Request(req.method().name(), qs.path(), query, ByteBufUtil.getBytes(req.content()));
            boolean head = req.method().equals(HttpMethod.HEAD);
            try {
                executor.execute(() -> {
                    Response out = api.handle(request);
                    // A HEAD answer has the headers of the GET answer and no body.
                    respond(
                            ctx,
                            head ? new Response(out.status(), out.contentType(), new byte[0], out.headers()) : out,
                            keepAlive);
                });
            } catch (RejectedExecutionException e) {
                respond(ctx, Response.error(503, "api: shutting down"), false);
            }
        }

        private static void respond(ChannelHandlerContext ctx, Response out, boolean keepAlive) {
            FullHttpResponse resp = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(out.status()), Unpooled.wrappedBuffer(out.body()));
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, out.contentType());
            resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, out.body().length);
            out.headers().forEach((k, v) -> resp.headers().set(k, v));
            if (keepAlive) {
                resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                ctx.writeAndFlush(resp);
            } else {
                ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("api: connection error: {}", cause.toString());
            ctx.close();
        }
    }
}
