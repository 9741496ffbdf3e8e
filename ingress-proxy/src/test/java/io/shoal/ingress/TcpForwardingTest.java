package io.shoal.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.ingress.balance.BalanceMode;
import io.shoal.ingress.metrics.MetricsSnapshot;
import io.shoal.ingress.metrics.PortMetrics;
import io.shoal.ingress.policy.PortPolicy;
import io.shoal.ingress.support.Client;
import io.shoal.ingress.support.MeshFixture;
import io.shoal.ingress.support.TcpTestBackend;
import io.shoal.ingress.transport.Transport;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** TCP forwarding behaviour, run once per transport (io_uring, epoll, NIO) as Netty's testsuite does. */
class TcpForwardingTest {

    @ParameterizedTest
    @EnumSource(Transport.class)
    void roundRobinSpreadsConnectionsEvenlyOverBackends(Transport transport) throws Exception {
        try (MeshFixture f = new MeshFixture(transport)) {
            List<TcpTestBackend> backends = f.backends(3);
            assertThat(f.publishTcp(1, f.addresses(backends)).opened()).containsExactly(f.tcpKey());

            Map<String, Integer> seen = new HashMap<>();
            for (int i = 0; i < 9; i++) {
                seen.merge(Client.nameVia(f.proxyAddress(), null), 1, Integer::sum);
            }

            assertThat(seen).containsOnlyKeys("b0", "b1", "b2");
            assertThat(seen.values()).containsOnly(3);
            MetricsSnapshot m = f.mesh.metrics();
            String labels = "port=\"" + f.publishedPort + "\",protocol=\"tcp\"";
            assertThat(m.value(PortMetrics.CONNECTIONS_TOTAL, labels)).contains(9.0);
            assertThat(m.value(PortMetrics.CONNECT_SECONDS + "_count", labels)).contains(9.0);
            assertThat(m.value(PortMetrics.OUT_BYTES_TOTAL, labels).orElseThrow())
                    .isGreaterThanOrEqualTo(9 * 3.0);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> f.mesh.metrics()
                                    .value(PortMetrics.CONNECTIONS_ACTIVE, labels)
                                    .orElseThrow()
                            == 0.0);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void echoesClientBytesAndHalfCloseStillDeliversTheReply(Transport transport) throws Exception {
        try (MeshFixture f = new MeshFixture(transport)) {
            f.publishTcp(1, f.addresses(f.backends(1)));
            try (Client c = new Client(f.proxyAddress(), null)) {
                assertThat(c.line()).isEqualTo("b0");
                c.send("ping\n");
                assertThat(c.line()).isEqualTo("ping");
                c.send("last words\n");
                c.shutdownOutput();
                // The backend answers "bye" only after it saw our FIN: the half-close went through,
                // and the reply still comes back on the open direction.
                assertThat(c.line()).isEqualTo("last words");
                assertThat(c.line()).isEqualTo("bye");
                assertThat(c.line()).isNull();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void leastConnectionsPicksTheIdleBackend(Transport transport) throws Exception {
        try (MeshFixture f = new MeshFixture(transport)) {
            List<TcpTestBackend> backends = f.backends(2);
            f.policy(PortPolicy.DEFAULT.withBalance(BalanceMode.LEAST_CONNECTIONS));
            f.publishTcp(1, f.addresses(backends));
            try (Client held = new Client(f.proxyAddress(), null)) {
                String busy = held.line();
                String idle = busy.equals("b0") ? "b1" : "b0";
                List<String> next = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    next.add(Client.nameVia(f.proxyAddress(), null));
                    // Wait until the proxy saw that connection end, so counts are settled.
                    await().atMost(Duration.ofSeconds(5))
                            .until(() ->
                                    f.mesh.portMetrics(f.tcpKey()).orElseThrow().activeConnections() == 1);
                }
                assertThat(next).containsOnly(idle);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void maglevHashingIsStickyPerClientAddress(Transport transport) throws Exception {
        try (MeshFixture f = new MeshFixture(transport)) {
            List<TcpTestBackend> backends = f.backends(3);
            f.policy(PortPolicy.DEFAULT.withBalance(BalanceMode.MAGLEV));
            f.publishTcp(1, f.addresses(backends));
            Map<InetAddress, String> first = new HashMap<>();
            for (int round = 0; round < 3; round++) {
                for (int c = 0; c < 8; c++) {
                    InetAddress from = f.net.client(c);
                    String name = Client.nameVia(f.proxyAddress(), from);
                    assertThat(first.computeIfAbsent(from, k -> name))
                            .as("client %s in round %d", from, round)
                            .isEqualTo(name);
                }
            }
            assertThat(new java.util.HashSet<>(first.values())).hasSizeGreaterThan(1);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void deadBackendIsRetriedOnAnotherAndClientsSeeSuccess(Transport transport) throws Exception {
        try (MeshFixture f = new MeshFixture(transport)) {
            List<TcpTestBackend> live = f.backends(2);
            List<InetAddress> addresses = new ArrayList<>(f.addresses(live));
            addresses.add(f.net.backend(2)); // nothing listens there: connection refused
            f.publishTcp(1, addresses);

            for (int i = 0; i < 9; i++) {
                assertThat(Client.nameVia(f.proxyAddress(), null)).isIn("b0", "b1");
            }
            assertThat(f.mesh.portMetrics(f.tcpKey()).orElseThrow().connectFailures())
                    .isGreaterThanOrEqualTo(3);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void olderTableArrivingLateIsIgnored(Transport transport) throws Exception {
        try (MeshFixture f = new MeshFixture(transport)) {
            List<TcpTestBackend> backends = f.backends(2);
            f.publishTcp(5, List.of(f.net.backend(1)));
            assertThat(f.publishTcp(4, List.of(f.net.backend(0))).stale()).isTrue();
            for (int i = 0; i < 3; i++) {
                assertThat(Client.nameVia(f.proxyAddress(), null)).isEqualTo("b1");
            }
            assertThat(backends.get(0).accepted()).isZero();
            assertThat(f.publishTcp(6, List.of(f.net.backend(0))).stale()).isFalse();
            assertThat(Client.nameVia(f.proxyAddress(), null)).isEqualTo("b0");
        }
    }
}
