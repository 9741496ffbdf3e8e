package io.shoal.benchmarks.ingress;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.shoal.ingress.balance.Backend;
import io.shoal.ingress.balance.BackendPool;
import io.shoal.ingress.balance.BalanceMode;
import io.shoal.ingress.policy.ProxyProtocol;
import io.shoal.ingress.proxyprotocol.ProxyHeaders;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The routing mesh's per-connection work apart from the sockets: choosing a backend (and counting
 * the connection on it, as {@code TcpFrontendHandler} does) and building + encoding the PROXY
 * header sent to the backend. Run with {@code -prof gc} for bytes allocated per connection
 * ({@code gc.alloc.rate.norm}).
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar 'MeshConnectionBenchmark.pickBackend' -p proxy=V2 -prof gc
 * java -jar benchmarks/target/benchmarks.jar 'MeshConnectionBenchmark.proxyHeader' -p mode=ROUND_ROBIN -p backends=3 -prof gc
 * </pre>
 *
 * (the picks do not depend on {@code proxy}, the headers not on {@code mode} or {@code backends}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MeshConnectionBenchmark {
    private static final int CLIENTS = 1024; // power of two: the index wraps with a mask

    @Param({"ROUND_ROBIN", "LEAST_CONNECTIONS", "MAGLEV"})
    public String mode;

    @Param({"3", "100"})
    public int backends;

    @Param({"V1", "V2"})
    public String proxy;

    private ScheduledExecutorService scheduler;
    private BackendPool pool;
    private InetSocketAddress[] clients;
    private InetSocketAddress published;
    private ProxyProtocol version;
    private EmbeddedChannel outbound;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws UnknownHostException {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        pool = new BackendPool("bench:8080/tcp", scheduler);
        List<BackendPool.Target> targets = new ArrayList<>(backends);
        for (int i = 0; i < backends; i++) {
            targets.add(new BackendPool.Target(
                    new InetSocketAddress(
                            InetAddress.getByAddress(new byte[] {100, 64, (byte) (i / 250), (byte) (i % 250 + 2)}), 80),
                    "task" + i));
        }
        pool.update(targets, BalanceMode.valueOf(mode), Duration.ofSeconds(10));
        clients = new InetSocketAddress[CLIENTS];
        for (int i = 0; i < CLIENTS; i++) {
            clients[i] = new InetSocketAddress(
                    InetAddress.getByAddress(new byte[] {(byte) 198, 18, (byte) (1 + i / 250), (byte) (i % 250 + 1)}),
                    32768 + i);
        }
        published = new InetSocketAddress(InetAddress.getByAddress(new byte[] {(byte) 198, 18, 0, 1}), 8080);
        version = ProxyProtocol.valueOf(proxy);
        outbound = new EmbeddedChannel();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        outbound.finishAndReleaseAll();
        scheduler.shutdownNow();
    }

    /** One connection's backend choice: pick, count it, and give the count back when it ends. */
    @Benchmark
    public Backend pickBackend() {
        InetSocketAddress client = clients[next++ & (CLIENTS - 1)];
        Backend b = pool.acquire(client.getAddress(), Set.of());
        b.release();
        return b;
    }

    /** One connection's PROXY header as the mesh sends it: encoded straight into a pooled buffer. */
    @Benchmark
    public int proxyHeader() {
        InetSocketAddress client = clients[next++ & (CLIENTS - 1)];
        ByteBuf encoded = ProxyHeaders.encode(version, client, published, false, PooledByteBufAllocator.DEFAULT);
        int length = encoded.readableBytes();
        encoded.release();
        return length;
    }

    /**
     * The same header the way the mesh sent it before (the baseline): Netty's {@code HAProxyMessage}
     * through {@code HAProxyMessageEncoder}, added to the backend channel's pipeline for the header
     * and removed after it.
     */
    @Benchmark
    public int proxyHeaderNettyEncoder() {
        InetSocketAddress client = clients[next++ & (CLIENTS - 1)];
        outbound.pipeline().addLast("proxy-encoder", HAProxyMessageEncoder.INSTANCE);
        outbound.writeOutbound(ProxyHeaders.header(version, client, published, false));
        outbound.pipeline().remove("proxy-encoder");
        ByteBuf encoded = outbound.readOutbound();
        int length = encoded.readableBytes();
        encoded.release();
        return length;
    }

    /** The header for one client, for the test that checks what this benchmark encodes. */
    byte[] encodeOnce(int clientIndex) {
        next = clientIndex;
        ByteBuf encoded =
                ProxyHeaders.encode(version, clients[clientIndex], published, false, PooledByteBufAllocator.DEFAULT);
        byte[] bytes = new byte[encoded.readableBytes()];
        encoded.readBytes(bytes);
        encoded.release();
        return bytes;
    }
}
