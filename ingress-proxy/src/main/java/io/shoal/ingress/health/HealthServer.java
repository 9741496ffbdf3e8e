package io.shoal.ingress.health;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.shoal.ingress.mesh.RoutingMesh;
import io.shoal.ingress.metrics.MetricsSnapshot;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's health endpoint for an external load balancer (HTTP/1.1):
 *
 * <ul>
 *   <li>{@code GET|HEAD /healthz}: 200 {@code ok} while the mesh is started and the node is not
 *       draining, else 503 with the reason;
 *   <li>{@code GET|HEAD /healthz/ports/<port>[/<tcp|udp>]}: 200 when this node can serve that
 *       published port now (listening, at least one backend; for a local-only port a ready task on
 *       this node), else 503 with {@code draining}, {@code no ready task on this node}, {@code no
 *       backend}, {@code port not published} or {@code not listening: …}. Without a protocol every
 *       protocol published on that number must serve;
 *   <li>another method on those paths: 405; another path: 404; a malformed port path: 400; a
 *       request that is not HTTP: 400 and the connection closes.
 * </ul>
 *
 * <p>It runs on the {@link RoutingMesh}'s own event loops on purpose: a check that is answered
 * proves the loops that relay traffic are alive, and a node whose loops are stuck times out the
 * check, which is what the load balancer should see. Answers read the mesh's lock-free state
 * ({@link RoutingMesh#portStates()}, {@link RoutingMesh#isDraining()}), never a lock.
 *
 * <p>Lifecycle: build after {@link RoutingMesh#start()}; {@link #start()} binds (off the event
 * loops); {@link #close()} before closing the mesh (closing the mesh closes it too).
 */
public final class HealthServer implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthServer.class);

    /** The port the agent uses by default. */
    public static final int DEFAULT_PORT = 9180;

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final RoutingMesh mesh;
    private final InetSocketAddress bindAddress;
    private final Duration idleTimeout;
    private final HealthMetrics metrics = new HealthMetrics();
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private Channel channel;

    private HealthServer(Builder b) {
        this.mesh = b.mesh;
        this.bindAddress = b.bindAddress;
        this.idleTimeout = b.idleTimeout;
    }

    /** A builder for the health endpoint of {@code mesh}. */
    public static Builder builder(RoutingMesh mesh) {
        return new Builder(mesh);
    }

    /**
     * Binds and starts answering. Blocks until bound; a second start fails.
     *
     * @throws IllegalStateException naming the address when it cannot bind, or when the mesh is not
     *     started
     */
    public HealthServer start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("health server: start() called in state " + state.get());
        }
        if (!mesh.isStarted()) {
            state.set(State.CLOSED);
            throw new IllegalStateException("health server: the routing mesh must be started first");
        }
        long idleMillis = idleTimeout.toMillis();
        ChannelFuture f = new ServerBootstrap()
                .group(mesh.eventLoopGroup())
                .channelFactory(mesh.transport().serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS))
                                // Small limits: a health request is one short line and a few headers.
                                .addLast(new HttpServerCodec(1024, 8192, 1024))
                                .addLast(new HttpObjectAggregator(1024))
                                .addLast(new HealthHandler(mesh, metrics));
                    }
                })
                .bind(bindAddress);
        if (!f.awaitUninterruptibly(10, TimeUnit.SECONDS) || !f.isSuccess()) {
            f.channel().close();
            state.set(State.CLOSED);
            throw new IllegalStateException(
                    "health server: cannot listen on "
                            + bindAddress.getAddress().getHostAddress() + ":" + bindAddress.getPort() + ": "
                            + f.cause(),
                    f.cause());
        }
        channel = f.channel();
        LOG.info("health endpoint listening on {}", channel.localAddress());
        return this;
    }

    /** Where the endpoint listens (the real port when 0 was asked for). */
    public InetSocketAddress localAddress() {
        if (channel == null) {
            throw new IllegalStateException("health server: not started");
        }
        return (InetSocketAddress) channel.localAddress();
    }

    /** Answers given so far: {@code shoal_ingress_health_requests_total{code="200|503|4xx"}}. */
    public MetricsSnapshot metrics() {
        return new MetricsSnapshot(metrics.samples());
    }

    /** Stops listening; connections in progress end with their answer or their idle timeout. */
    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) != State.STARTED) {
            return;
        }
        if (channel.isOpen()) {
            channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** Configuration of a {@link HealthServer}. */
    public static final class Builder {
        private final RoutingMesh mesh;
        private InetSocketAddress bindAddress = new InetSocketAddress(DEFAULT_PORT);
        private Duration idleTimeout = Duration.ofSeconds(10);

        private Builder(RoutingMesh mesh) {
            this.mesh = Objects.requireNonNull(mesh, "mesh");
        }

        /** Where to listen; default {@code 0.0.0.0:9180}. Port 0 picks a free port. */
        public Builder bindAddress(InetSocketAddress v) {
            Objects.requireNonNull(v, "bindAddress");
            if (v.isUnresolved()) {
                throw new IllegalArgumentException("bindAddress: " + v + " is not a resolved address");
            }
            bindAddress = v;
            return this;
        }

        /** A connection silent this long is closed; default 10 s. */
        public Builder idleTimeout(Duration v) {
            if (v == null || v.isNegative() || v.isZero()) {
                throw new IllegalArgumentException("idleTimeout: must be a positive duration, got " + v);
            }
            idleTimeout = v;
            return this;
        }

        /** An unstarted health server. */
        public HealthServer build() {
            return new HealthServer(this);
        }
    }
}
