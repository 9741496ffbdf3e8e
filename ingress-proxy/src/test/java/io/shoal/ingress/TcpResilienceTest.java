package io.shoal.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.ingress.balance.Backend;
import io.shoal.ingress.metrics.PortMetrics;
import io.shoal.ingress.policy.PortPolicy;
import io.shoal.ingress.support.Client;
import io.shoal.ingress.support.MeshFixture;
import io.shoal.ingress.support.StreamingBackend;
import io.shoal.ingress.support.TcpTestBackend;
import io.shoal.ingress.transport.Transport;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Back-pressure, hostile clients, draining and idle timeouts, per transport. */
class TcpResilienceTest {
    private static final long SIXTY_FOUR_MIB = 64L << 20;

    @ParameterizedTest
    @EnumSource(Transport.class)
    void slowReaderPushesBackOnTheBackendInsteadOfFillingProxyMemory(Transport transport) throws Exception {
        try (MeshFixture f = new MeshFixture(transport)) {
            StreamingBackend backend = f.track(new StreamingBackend(f.net.backend(0), f.targetPort, SIXTY_FOUR_MIB));
            f.track(new TcpTestBackend("echo", f.net.backend(1), f.targetPort));
            // Round robin starts at the first backend: the streaming one gets the slow client.
            f.publishTcp(1, List.of(f.net.backend(0), f.net.backend(1)));
            PortMetrics metrics = f.mesh.portMetrics(f.tcpKey()).orElseThrow();

            try (Socket client = new Socket()) {
                client.setReceiveBufferSize(32 * 1024);
                client.setSoTimeout(10_000);
                client.connect(f.proxyAddress(), 5000);

                // The client reads nothing: the backend must stall once the kernel buffers on the way are full.
                AtomicLong last = new AtomicLong(-1);
                await().atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(300))
                        .until(() -> {
                            long now = backend.sent();
                            return now > 0 && now == last.getAndSet(now);
                        });
                assertThat(backend.sent())
                        .as("bytes the backend got rid of while the client read nothing")
                        .isLessThan(40L << 20);
                assertThat(metrics.bufferedBytes())
                        .as("bytes held inside the proxy: at most one read chunk in flight")
                        .isLessThanOrEqualTo(1L << 20);
                // The stalled client holds up nobody else on the port.
                try (Client other = new Client(f.proxyAddress(), null)) {
                    assertThat(other.line()).isEqualTo("echo");
                    other.send("not stalled\n");
                    assertThat(other.line()).isEqualTo("not stalled");
                }

                InputStream in = client.getInputStream();
                byte[] buf = new byte[64 * 1024];
                long received = 0;
                int n;
                while ((n = in.read(buf)) > 0) {
                    for (int i = 0; i < n; i++) {
                        if (buf[i] != (byte) ((received + i) % 251)) {
                            throw new AssertionError("byte " + (received + i) + " corrupted");
                        }
                    }
                    received += n;
                }
                assertThat(received).isEqualTo(SIXTY_FOUR_MIB);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> metrics.activeConnections() == 0);
            // The stream plus the second client's small exchange ("echo", its echo, maybe "bye").
            assertThat(metrics.outBytes()).isBetween(SIXTY_FOUR_MIB, SIXTY_FOUR_MIB + 64);
            assertThat(metrics.bufferedBytes()).isZero();
            if (transport == Transport.IO_URING) {
                // The stream went through the splice pipe, and back-pressure held there too.
                assertThat(metrics.splicedBytes()).isGreaterThan(SIXTY_FOUR_MIB / 2);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void garbageAndAbruptResetsCloseOnlyTheirOwnConnections(Transport transport) throws Exception {
        try (MeshFixture f = new MeshFixture(transport)) {
            f.publishTcp(1, f.addresses(f.backends(2)));
            try (Client good = new Client(f.proxyAddress(), null)) {
                assertThat(good.line()).startsWith("b");
                byte[] garbage = new byte[4096];
                for (int i = 0; i < 20; i++) {
                    ThreadLocalRandom.current().nextBytes(garbage);
                    try (Socket s = new Socket()) {
                        s.connect(f.proxyAddress(), 5000);
                        s.getOutputStream().write(garbage);
                        if (i % 2 == 0) {
                            s.setSoLinger(true, 0); // close with RST instead of FIN
                        }
                    }
                }
                good.send("still here\n");
                assertThat(good.line()).isEqualTo("still here");
                assertThat(Client.nameVia(f.proxyAddress(), null)).startsWith("b");
                PortMetrics m = f.mesh.portMetrics(f.tcpKey()).orElseThrow();
                await().atMost(Duration.ofSeconds(5)).until(() -> m.activeConnections() == 1);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void removedBackendDrainsItsOpenConnectionUntilTheDrainTimeout(Transport transport) throws Exception {
        try (MeshFixture f = new MeshFixture(transport)) {
            List<TcpTestBackend> backends = f.backends(2);
            f.policy(PortPolicy.DEFAULT.withDrainTimeout(Duration.ofMillis(1500)));
            f.publishTcp(1, f.addresses(backends));
            try (Client held = new Client(f.proxyAddress(), null)) {
                String gone = held.line();
                int goneIndex = gone.equals("b0") ? 0 : 1;
                String kept = goneIndex == 0 ? "b1" : "b0";

                // An update with the same backends never touches established connections.
                assertThat(f.publishTcp(2, f.addresses(backends)).updated()).containsExactly(f.tcpKey());
                held.send("after same-set update\n");
                assertThat(held.line()).isEqualTo("after same-set update");

                f.publishTcp(3, List.of(f.net.backend(1 - goneIndex)));
                List<Backend> draining = f.mesh.pool(f.tcpKey()).orElseThrow().draining();
                assertThat(draining)
                        .extracting(Backend::key)
                        .containsExactly(f.net.backend(goneIndex).getHostAddress() + ":" + f.targetPort);

                held.send("while draining\n");
                assertThat(held.line()).isEqualTo("while draining");
                for (int i = 0; i < 4; i++) {
                    assertThat(Client.nameVia(f.proxyAddress(), null)).isEqualTo(kept);
                }
                long start = System.nanoTime();
                await().atMost(Duration.ofSeconds(5)).until(held::closedByPeer);
                assertThat(backends.get(goneIndex).accepted()).isEqualTo(1);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void idleConnectionIsClosedAfterThePortsIdleTimeout(Transport transport) throws Exception {
        try (MeshFixture f = new MeshFixture(transport)) {
            f.policy(PortPolicy.DEFAULT.withIdleTimeout(Duration.ofMillis(300)));
            f.publishTcp(1, f.addresses(f.backends(1)));
            long start = System.nanoTime();
            try (Client quiet = new Client(f.proxyAddress(), null)) {
                assertThat(quiet.line()).isEqualTo("b0");
                assertThat(quiet.closedByPeer()).isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - start))
                        .isBetween(Duration.ofMillis(280), Duration.ofSeconds(3));
            }
        }
    }

    /**
     * Traffic in one direction only keeps a connection alive: a backend trickling a line every
     * 100 ms to a client that sends nothing, then a client trickling a byte every 100 ms to a
     * backend that answers only at the end, each for 1.2 s through a 300 ms idle timeout.
     */
    @ParameterizedTest
    @EnumSource(Transport.class)
    void oneWayTrafficIsNotIdle(Transport transport) throws Exception {
        try (MeshFixture f = new MeshFixture(transport);
                ServerSocket server = new ServerSocket(f.targetPort, 8, f.net.backend(0))) {
            f.policy(PortPolicy.DEFAULT.withIdleTimeout(Duration.ofMillis(300)));
            f.publishTcp(1, List.of(f.net.backend(0)));
            Thread backend = new Thread(
                    () -> {
                        try (Socket talker = server.accept()) {
                            OutputStream out = talker.getOutputStream();
                            for (int i = 0; i < 12; i++) {
                                out.write(("line " + i + "\n").getBytes(StandardCharsets.US_ASCII));
                                out.flush();
                                Thread.sleep(100);
                            }
                            talker.shutdownOutput();
                            talker.getInputStream().read();
                            try (Socket listener = server.accept()) {
                                InputStream in = listener.getInputStream();
                                int got = 0;
                                while (got < 12 && in.read() >= 0) {
                                    got++;
                                }
                                listener.getOutputStream()
                                        .write(("got " + got + "\n").getBytes(StandardCharsets.US_ASCII));
                            }
                        } catch (Exception e) {
                            // The test's assertions report what went missing.
                        }
                    },
                    "one-way-backend");
            backend.setDaemon(true);
            backend.start();

            long start = System.nanoTime();
            try (Client reader = new Client(f.proxyAddress(), null)) {
                assertThat(reader.linesUntilClosed())
                        .as("every line the backend trickled, then its FIN")
                        .hasSize(12)
                        .endsWith("line 11");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(1000));

            try (Client writer = new Client(f.proxyAddress(), null)) {
                for (int i = 0; i < 12; i++) {
                    writer.send("x");
                    Thread.sleep(100);
                }
                assertThat(writer.line()).isEqualTo("got 12");
            }
            backend.join(5000);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void connectionToAPortWithoutReadyTasksIsClosed(Transport transport) throws Exception {
        try (MeshFixture f = new MeshFixture(transport)) {
            f.publishTcp(1, List.of());
            try (Client c = new Client(new InetSocketAddress(f.net.proxy(), f.publishedPort), null)) {
                assertThat(c.closedByPeer()).isTrue();
            }
        }
    }
}
