package io.shoal.ingress.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.ingress.support.Client;
import io.shoal.ingress.support.MeshFixture;
import io.shoal.ingress.support.RawHttp;
import io.shoal.ingress.support.RawHttp.Answer;
import io.shoal.ingress.support.Tables;
import io.shoal.ingress.support.TcpTestBackend;
import io.shoal.ingress.transport.Transport;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The health endpoint against a real mesh and real backends on loopback. */
class HealthServerTest {

    private static HealthServer health(MeshFixture f) {
        return f.track(HealthServer.builder(f.mesh)
                .bindAddress(new InetSocketAddress(f.net.proxy(), 0))
                .build()
                .start());
    }

    private static Answer get(HealthServer h, String path) {
        return RawHttp.request(h.localAddress(), "GET", path);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void portHealthFollowsTableUpdates(Transport transport) throws Exception {
        try (MeshFixture f = new MeshFixture(transport)) {
            List<TcpTestBackend> backends = f.backends(2);
            HealthServer h = health(f);
            String port = "/healthz/ports/" + f.publishedPort;

            Answer node = get(h, "/healthz");
            assertThat(node.status()).isEqualTo(200);
            assertThat(node.body()).isEqualTo("ok\n");
            assertThat(get(h, port)).satisfies(a -> {
                assertThat(a.status()).isEqualTo(503);
                assertThat(a.body()).isEqualTo("port not published\n");
            });

            f.publishTcp(1, f.addresses(backends));
            assertThat(get(h, port).status()).isEqualTo(200);
            assertThat(get(h, port).body()).isEqualTo("ok\n");
            assertThat(get(h, port + "/tcp").status()).isEqualTo(200);
            assertThat(get(h, port + "/udp").body()).isEqualTo("port not published\n");

            f.publishTcp(2, List.of());
            assertThat(get(h, port)).satisfies(a -> {
                assertThat(a.status()).isEqualTo(503);
                assertThat(a.body()).isEqualTo("no backend\n");
            });
            assertThat(get(h, "/healthz").status())
                    .as("the node itself still serves")
                    .isEqualTo(200);

            f.publishTcp(3, f.addresses(backends.subList(1, 2)));
            assertThat(get(h, port).status()).isEqualTo(200);

            f.mesh.update(Tables.table(4));
            assertThat(get(h, port).body()).isEqualTo("port not published\n");
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void drainingAnswers503WhileTheMeshKeepsServing(Transport transport) throws Exception {
        try (MeshFixture f = new MeshFixture(transport)) {
            List<TcpTestBackend> backends = f.backends(2);
            HealthServer h = health(f);
            f.publishTcp(1, f.addresses(backends));
            String port = "/healthz/ports/" + f.publishedPort;
            // A connection opened before the drain, still open during it.
            try (Client before = new Client(f.proxyAddress(), null)) {
                assertThat(before.line()).startsWith("b");

                f.mesh.draining(true);

                assertThat(get(h, "/healthz")).satisfies(a -> {
                    assertThat(a.status()).isEqualTo(503);
                    assertThat(a.body()).isEqualTo("draining\n");
                });
                assertThat(get(h, port)).satisfies(a -> {
                    assertThat(a.status()).isEqualTo(503);
                    assertThat(a.body()).isEqualTo("draining\n");
                });
                assertThat(get(h, port + "/tcp").status()).isEqualTo(503);
                // New connections are still served, and the old one still echoes.
                for (int i = 0; i < 4; i++) {
                    assertThat(Client.nameVia(f.proxyAddress(), null)).isIn("b0", "b1");
                }
                before.send("still here\n");
                assertThat(before.line()).isEqualTo("still here");
                assertThat(f.mesh.metrics().value("shoal_ingress_draining", "")).contains(1.0);
            }
            f.mesh.draining(false);
            assertThat(get(h, "/healthz").status()).isEqualTo(200);
            assertThat(get(h, port).status()).isEqualTo(200);
        }
    }

    @Test
    void everyAnswerIsNotCachedAndClosesUnlessKeptAlive() throws Exception {
        try (MeshFixture f = new MeshFixture(Transport.best())) {
            HealthServer h = health(f);
            Answer a = get(h, "/healthz");
            assertThat(a.header("Cache-Control")).isEqualTo("no-store");
            assertThat(a.header("Connection")).isEqualTo("close");
            assertThat(a.header("Content-Type")).startsWith("text/plain");

            try (RawHttp c = new RawHttp(h.localAddress())) {
                c.send("GET /healthz HTTP/1.1\r\nHost: lb\r\n\r\n");
                Answer first = c.answer(true);
                assertThat(first.status()).isEqualTo(200);
                assertThat(first.header("Connection")).isEqualTo("keep-alive");
                assertThat(first.header("Cache-Control")).isEqualTo("no-store");
                c.send("GET /healthz/ports/" + f.publishedPort + " HTTP/1.1\r\nHost: lb\r\n\r\n");
                assertThat(c.answer(true).status()).isEqualTo(503);
                c.send("GET /healthz HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n");
                assertThat(c.answer(true).header("Connection")).isEqualTo("close");
                assertThat(c.closedByServer()).isTrue();
            }
            try (RawHttp c = new RawHttp(h.localAddress())) {
                // HTTP/1.0 closes by default, as HAProxy's plain httpchk sends it.
                c.send("GET /healthz HTTP/1.0\r\n\r\n");
                assertThat(c.answer(true).status()).isEqualTo(200);
                assertThat(c.closedByServer()).isTrue();
            }
        }
    }

    @Test
    void headAnswersLikeGetWithoutABody() throws Exception {
        try (MeshFixture f = new MeshFixture(Transport.best())) {
            HealthServer h = health(f);
            try (RawHttp c = new RawHttp(h.localAddress())) {
                c.send("HEAD /healthz HTTP/1.1\r\nHost: lb\r\n\r\n");
                Answer head = c.answer(false);
                assertThat(head.status()).isEqualTo(200);
                assertThat(head.header("Content-Length")).isEqualTo("3");
                // The next answer on the same connection starts right after the headers: no body sent.
                c.send("HEAD /healthz/ports/" + f.publishedPort + "/udp HTTP/1.1\r\nHost: lb\r\n\r\n");
                Answer next = c.answer(false);
                assertThat(next.status()).isEqualTo(503);
                assertThat(next.header("Content-Length")).isEqualTo(String.valueOf("port not published\n".length()));
            }
        }
    }

    @Test
    void wrongMethodsPathsAndPortsGetClearAnswers() throws Exception {
        try (MeshFixture f = new MeshFixture(Transport.best())) {
            HealthServer h = health(f);
            Answer post = RawHttp.request(h.localAddress(), "POST", "/healthz");
            assertThat(post.status()).isEqualTo(405);
            assertThat(post.header("Allow")).isEqualTo("GET, HEAD");
            assertThat(get(h, "/").status()).isEqualTo(404);
            assertThat(get(h, "/healthz/nodes").status()).isEqualTo(404);
            assertThat(get(h, "/healthz/ports/80/tcp/extra").status()).isEqualTo(404);
            assertThat(get(h, "/healthz/ports/http")).satisfies(a -> {
                assertThat(a.status()).isEqualTo(400);
                assertThat(a.body()).isEqualTo("port: 'http' is not a number in 1..65535\n");
            });
            assertThat(get(h, "/healthz/ports/70000").status()).isEqualTo(400);
            assertThat(get(h, "/healthz/ports/80/sctp").body()).isEqualTo("protocol: 'sctp' is not one of tcp, udp\n");
            assertThat(get(h, "/healthz?verbose=1").status())
                    .as("a query is ignored")
                    .isEqualTo(200);
            assertThat(h.metrics().value("shoal_ingress_health_requests_total", "code=\"4xx\""))
                    .contains(7.0);
        }
    }

    @Test
    void garbageGets400AndTheConnectionCloses() throws Exception {
        try (MeshFixture f = new MeshFixture(Transport.best())) {
            HealthServer h = health(f);
            try (RawHttp c = new RawHttp(h.localAddress())) {
                c.send("this is not http at all\r\n\r\n");
                assertThat(c.answer(true).status()).isEqualTo(400);
                assertThat(c.closedByServer()).isTrue();
            }
            try (RawHttp c = new RawHttp(h.localAddress())) {
                c.sendBytes(new byte[] {0x16, 0x03, 0x01, 0x00, 0x05, 0x01, '\r', '\n', '\r', '\n'});
                assertThat(c.answer(true).status()).isEqualTo(400);
                assertThat(c.closedByServer()).isTrue();
            }
            try (RawHttp c = new RawHttp(h.localAddress())) {
                // An initial line longer than a health request can be.
                c.send("GET /" + "a".repeat(4000) + " HTTP/1.1\r\n\r\n");
                assertThat(c.answer(true).status()).isEqualTo(400);
                assertThat(c.closedByServer()).isTrue();
            }
            // The server is unharmed.
            assertThat(get(h, "/healthz").status()).isEqualTo(200);
        }
    }

    @Test
    void realCurlSeesTheStatusAndHeaders() throws Exception {
        Path curl = Path.of("/usr/bin/curl");
        io.shoal.testbed.Requirements.require(Files.isExecutable(curl), "curl at " + curl);
        try (MeshFixture f = new MeshFixture(Transport.best())) {
            f.backends(1);
            HealthServer h = health(f);
            f.publishTcp(1, f.addresses(List.of("b0")));
            String base = "http://" + h.localAddress().getAddress().getHostAddress() + ":"
                    + h.localAddress().getPort();
            assertThat(curl(curl, "-s", "-w", " %{http_code}", base + "/healthz/ports/" + f.publishedPort))
                    .isEqualTo("ok\n 200");
            f.mesh.draining(true);
            assertThat(curl(curl, "-s", "-w", " %{http_code}", base + "/healthz"))
                    .isEqualTo("draining\n 503");
            assertThat(curl(curl, "-s", "-I", base + "/healthz"))
                    .startsWith("HTTP/1.1 503 Service Unavailable")
                    .containsIgnoringCase("cache-control: no-store");
        }
    }

    @Test
    void startNeedsAStartedMeshAndAFreeAddress() throws Exception {
        try (MeshFixture f = new MeshFixture(Transport.best())) {
            HealthServer h = health(f);
            HealthServer clash =
                    HealthServer.builder(f.mesh).bindAddress(h.localAddress()).build();
            assertThatThrownBy(clash::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(
                            "cannot listen on " + h.localAddress().getAddress().getHostAddress() + ":"
                                    + h.localAddress().getPort());
            assertThatThrownBy(h::start).hasMessageContaining("start() called in state STARTED");
        }
        var unstarted = io.shoal.ingress.mesh.RoutingMesh.builder()
                .nodeId("n1")
                .ingressNetworkId(Tables.INGRESS)
                .build();
        assertThatThrownBy(() -> HealthServer.builder(unstarted).build().start())
                .hasMessageContaining("the routing mesh must be started first");
    }

    private static String curl(Path curl, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(curl.toString(), "--max-time", "5"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).replace("\r", "");
    }
}
