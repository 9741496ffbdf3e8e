package io.shoal.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.ingress.mesh.MeshListener;
import io.shoal.ingress.mesh.PortFailure;
import io.shoal.ingress.mesh.PortPolicies;
import io.shoal.ingress.mesh.RoutingMesh;
import io.shoal.ingress.mesh.UpdateResult;
import io.shoal.ingress.metrics.PortMetrics;
import io.shoal.ingress.policy.PortKey;
import io.shoal.ingress.policy.PortPolicy;
import io.shoal.ingress.support.Client;
import io.shoal.ingress.support.HttpBackend;
import io.shoal.ingress.support.Loopback;
import io.shoal.ingress.support.Tables;
import io.shoal.ingress.support.TcpTestBackend;
import io.shoal.ingress.support.UdpEchoBackend;
import io.shoal.ingress.transport.Transport;
import io.shoal.model.table.ServiceTable;
import io.shoal.model.table.TaskEndpoint;
import io.shoal.testbed.Requirements;
import java.io.IOException;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Publishing: UDP ports, port conflicts, host mode, reconcile, and a real curl; per transport. */
class PublishingTest {

    private static RoutingMesh mesh(Transport t, Loopback net, String node, MeshListener listener) {
        Requirements.require(t.isAvailable(), "the " + t + " transport (" + t.unavailabilityCause() + ")");
        return RoutingMesh.builder()
                .nodeId(node)
                .ingressNetworkId(Tables.INGRESS)
                .bindAddress(net.proxy())
                .transport(t)
                .threads(2)
                .listener(listener)
                .build()
                .start();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void udpEchoReachesEachClientThroughItsOwnFlowAndIdleFlowsExpire(Transport transport) throws Exception {
        Loopback net = new Loopback();
        int published = Loopback.freePort(net.proxy());
        int target = Loopback.freePort(net.backend(0));
        List<AutoCloseable> closeables = new ArrayList<>();
        try (RoutingMesh mesh = mesh(transport, net, "n1", new MeshListener() {})) {
            List<InetAddress> addresses = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                closeables.add(new UdpEchoBackend("u" + i, net.backend(i), target));
                addresses.add(net.backend(i));
            }
            PortKey key = PortKey.udp(published);
            mesh.policies(PortPolicies.standard()
                    .with(key, PortPolicy.DEFAULT.withUdpFlowIdleTimeout(Duration.ofMillis(400))));
            mesh.update(Tables.table(
                    1,
                    Tables.service("dns", List.of(Tables.udp(published, target)), Tables.readyTasks("t", addresses))));

            Set<String> backendsSeen = new HashSet<>();
            for (int c = 0; c < 3; c++) {
                try (DatagramSocket client = new DatagramSocket(new InetSocketAddress(net.client(c), 0))) {
                    client.setSoTimeout(3000);
                    String backendOfFlow = null;
                    for (int k = 0; k < 3; k++) {
                        String payload = "client" + c + "-msg" + k;
                        byte[] out = payload.getBytes(StandardCharsets.UTF_8);
                        client.send(new DatagramPacket(out, out.length, new InetSocketAddress(net.proxy(), published)));
                        DatagramPacket in = new DatagramPacket(new byte[2048], 2048);
                        client.receive(in);
                        assertThat(in.getSocketAddress()).isEqualTo(new InetSocketAddress(net.proxy(), published));
                        String reply = new String(in.getData(), 0, in.getLength(), StandardCharsets.UTF_8);
                        assertThat(reply).endsWith(":" + payload);
                        String backend = reply.substring(0, reply.indexOf(':'));
                        if (backendOfFlow == null) {
                            backendOfFlow = backend;
                        }
                        assertThat(backend).as("one flow, one backend").isEqualTo(backendOfFlow);
                    }
                    backendsSeen.add(backendOfFlow);
                }
            }
            assertThat(backendsSeen).containsExactlyInAnyOrder("u0", "u1", "u2");
            PortMetrics m = mesh.portMetrics(key).orElseThrow();
            assertThat(m.totalConnections()).isEqualTo(3);
            assertThat(m.inBytes()).isEqualTo(9 * "client0-msg0".length());
            // Replies carry the backend's "uN:" prefix; their counters settle once the writes completed.
            await().atMost(Duration.ofSeconds(5)).until(() -> m.outBytes() == m.inBytes() + 9 * 3);
            await().atMost(Duration.ofSeconds(5)).until(() -> m.activeConnections() == 0);
        } finally {
            for (AutoCloseable c : closeables) {
                c.close();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void portConflictIsReportedAndDoesNotStopOtherPorts(Transport transport) throws Exception {
        Loopback net = new Loopback();
        int taken = Loopback.freePort(net.proxy());
        int free = Loopback.freePort(net.proxy());
        int target = Loopback.freePort(net.backend(0));
        List<PortFailure> events = new CopyOnWriteArrayList<>();
        try (TcpTestBackend backend = new TcpTestBackend("b0", net.backend(0), target);
                RoutingMesh mesh = mesh(transport, net, "n1", new MeshListener() {
                    @Override
                    public void portFailed(PortFailure failure) {
                        events.add(failure);
                    }
                })) {
            List<TaskEndpoint> tasks = Tables.readyTasks("t", List.of(net.backend(0)));
            ServiceTable table = Tables.table(
                    1, Tables.service("a", List.of(Tables.tcp(taken, target), Tables.tcp(free, target)), tasks));
            UpdateResult result;
            try (ServerSocket squatter = new ServerSocket()) {
                squatter.bind(new InetSocketAddress(net.proxy(), taken));
                result = mesh.update(table);

                assertThat(result.opened()).containsExactly(PortKey.tcp(free));
                assertThat(result.failed()).singleElement().satisfies(f -> {
                    assertThat(f.key()).isEqualTo(PortKey.tcp(taken));
                    assertThat(f.conflict()).isTrue();
                    assertThat(f.message()).contains(taken + "/tcp").contains("already in use");
                });
                assertThat(events).hasSize(1);
                assertThat(Client.nameVia(new InetSocketAddress(net.proxy(), free), null))
                        .isEqualTo("b0");
                assertThat(mesh.metrics().value("shoal_ingress_bind_failures_total", ""))
                        .contains(1.0);
            }
            // Once the other process let go, the next update opens the port.
            assertThat(mesh.update(table).opened()).containsExactly(PortKey.tcp(taken));
            assertThat(Client.nameVia(new InetSocketAddress(net.proxy(), taken), null))
                    .isEqualTo("b0");
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void hostModePortListensOnlyWhileThisNodeRunsAReadyTask(Transport transport) throws Exception {
        Loopback net = new Loopback();
        int published = Loopback.freePort(net.proxy());
        int target = Loopback.freePort(net.backend(0));
        try (TcpTestBackend local = new TcpTestBackend("local", net.backend(0), target);
                TcpTestBackend remote = new TcpTestBackend("remote", net.backend(1), target);
                RoutingMesh mesh = mesh(transport, net, "n1", new MeshListener() {})) {
            PortKey key = PortKey.tcp(published);
            TaskEndpoint onOther = Tables.task("r", "n2", net.backend(1), true);
            mesh.update(
                    Tables.table(1, Tables.service("h", List.of(Tables.hostTcp(published, target)), List.of(onOther))));
            assertThat(mesh.listening()).isEmpty();

            TaskEndpoint here = Tables.task("l", "n1", net.backend(0), true);
            mesh.update(Tables.table(
                    2, Tables.service("h", List.of(Tables.hostTcp(published, target)), List.of(onOther, here))));
            assertThat(mesh.listening()).containsExactly(key);
            for (int i = 0; i < 4; i++) {
                assertThat(Client.nameVia(new InetSocketAddress(net.proxy(), published), null))
                        .isEqualTo("local");
            }

            TaskEndpoint notReady = Tables.task("l", "n1", net.backend(0), false);
            UpdateResult r = mesh.update(Tables.table(
                    3, Tables.service("h", List.of(Tables.hostTcp(published, target)), List.of(onOther, notReady))));
            assertThat(r.closed()).containsExactly(key);
            // NIO releases a closed server socket's descriptor on the loop's next select: wait for it.
            await().atMost(Duration.ofSeconds(5)).until(() -> refused(new InetSocketAddress(net.proxy(), published)));
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void curlThroughThePublishedPortReachesEveryHttpBackend(Transport transport) throws Exception {
        Requirements.require(Files.isExecutable(Path.of("/usr/bin/curl")), "curl (apt-get install curl)");
        Loopback net = new Loopback();
        int published = Loopback.freePort(net.proxy());
        int target = Loopback.freePort(net.backend(0));
        List<HttpBackend> backends = new ArrayList<>();
        try (RoutingMesh mesh = mesh(transport, net, "n1", new MeshListener() {})) {
            List<InetAddress> addresses = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                backends.add(new HttpBackend("h" + i, net.backend(i), target));
                addresses.add(net.backend(i));
            }
            mesh.update(Tables.table(
                    1,
                    Tables.service("web", List.of(Tables.tcp(published, target)), Tables.readyTasks("t", addresses))));
            Map<String, Integer> answers = new HashMap<>();
            for (int i = 0; i < 6; i++) {
                answers.merge(curl("http://" + net.proxy().getHostAddress() + ":" + published + "/"), 1, Integer::sum);
            }
            assertThat(answers).containsOnlyKeys("hello from h0", "hello from h1", "hello from h2");
            assertThat(answers.values()).containsOnly(2);
        } finally {
            backends.forEach(HttpBackend::close);
        }
    }

    private static boolean refused(InetSocketAddress address) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, 2000);
            return false;
        } catch (ConnectException e) {
            return true;
        }
    }

    private static String curl(String url) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("curl", "-sS", "--max-time", "5", url)
                .redirectErrorStream(true)
                .start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("curl " + url + " did not finish");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.exitValue()).as("curl exit status, output: %s", out).isZero();
        return out;
    }
}
