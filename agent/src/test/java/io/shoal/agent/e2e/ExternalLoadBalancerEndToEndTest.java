package io.shoal.agent.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.model.EndpointSpec;
import io.shoal.model.Placement;
import io.shoal.model.PortConfig;
import io.shoal.model.ProxyProtocolVersion;
import io.shoal.model.ServiceSpec;
import io.shoal.model.TrafficPolicy;
import io.shoal.testbed.ExecResult;
import io.shoal.testbed.Host;
import io.shoal.testbed.HostProcess;
import io.shoal.testbed.Requirements;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 11 end to end: Debian's HAProxy in a namespace of its own fronts three namespace hosts
 * (real manager, real {@code shoald}s, real Docker containers) with the configuration {@code shoal
 * lb config --haproxy} generates, and a client in {@code 198.18.1.0/24} sends through it.
 *
 * <ul>
 *   <li>PROXY end to end: HAProxy sends PROXY v2 to a port that trusts it, the mesh passes the
 *       client on to the task in a PROXY v1 line, the task answers with that line: every answer
 *       carries the client's own address and port. A PROXY header from an untrusted address is
 *       refused, and the traffic through HAProxy meanwhile is not harmed.
 *   <li>Local traffic policy: HAProxy takes the node without a task out (its health endpoint says
 *       503) and the task sees the client's own address as the source of its connection, with no
 *       PROXY header (the mesh connects transparently; the agent installed the routing).
 *   <li>A killed node: HAProxy marks it down through the health endpoint; after that, no request
 *       fails.
 * </ul>
 *
 * <p>One cluster for the class; the killed-node test runs last since it takes a host away.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExternalLoadBalancerEndToEndTest {
    private static final int PROXIED = 8091;
    private static final int LOCAL = 8092;
    private static final int SURVIVOR = 8093;
    private static final int STATS = 8404;
    private static final int HEALTH = 9180;

    /** A task answering each connection with the PROXY v1 line it received first. */
    private static final String ECHO_PROXY = String.join(
            "\n",
            "cat > /echo-proxy <<'X'",
            "#!/bin/sh",
            "read -r proxy",
            "while read -r line; do [ -z \"$(echo \"$line\" | tr -d '\\r')\" ] && break; done",
            "printf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\n%s\\n' \"$(echo \"$proxy\" | tr -d '\\r')\"",
            "X",
            "chmod +x /echo-proxy",
            "exec nc -ll -p 80 -e /echo-proxy");

    /** busybox httpd with a CGI that prints the source address of the task's own connection. */
    private static final String WHO = String.join(
            "\n",
            "mkdir -p /www/cgi-bin",
            "cat > /www/cgi-bin/who <<'X'",
            "#!/bin/sh",
            "echo 'Content-Type: text/plain'",
            "echo",
            "echo \"$REMOTE_ADDR $(hostname)\"",
            "X",
            "chmod +x /www/cgi-bin/who",
            "exec httpd -f -p 80 -h /www");

    private static ShoalCluster cluster;
    private static Host lb;
    private static HostProcess haproxy;
    private static String config;

    @RegisterExtension
    static final LogsOnFailure logs = new LogsOnFailure(() -> cluster);

    @BeforeAll
    static void up() throws Exception {
        Requirements.requireRoot();
        Requirements.requireDocker();
        Requirements.require(Files.isExecutable(Path.of("/usr/sbin/haproxy")), "haproxy is installed");
        cluster = ShoalCluster.builder().hosts(3).grace(Duration.ofSeconds(4)).start();
        try {
            lb = cluster.testbed().addClient("lb");
            String trusted = lb.address().getHostAddress() + "/32";
            PortConfig proxied = PortConfig.ingress(PROXIED, 80)
                    .withProxyProtocol(ProxyProtocolVersion.V1)
                    .withTrustedProxies(List.of(trusted));
            cluster.api().createService(with(Services.of("px", 3, ECHO_PROXY), proxied, Placement.ANYWHERE, 1));
            // Tasks on h2 and h3 only: h1 has none and must be out of HAProxy's rotation.
            PortConfig local = PortConfig.ingress(LOCAL, 80)
                    .withTrafficPolicy(TrafficPolicy.LOCAL)
                    .withTrustedProxies(List.of(trusted));
            cluster.api()
                    .createService(with(
                            Services.of("loc", 2, WHO),
                            local,
                            Placement.constraints("node.id!=" + cluster.nodeId(1)),
                            1));
            // Tasks on h1 and h2 only: killing h3 takes away a node, not a task.
            cluster.api()
                    .createService(with(
                            Services.httpd("kl", 2),
                            PortConfig.ingress(SURVIVOR, 80),
                            Placement.constraints("node.id!=" + cluster.nodeId(3)),
                            1));
            cluster.waitForRunning("px", 3);
            cluster.waitForRunning("loc", 2);
            cluster.waitForRunning("kl", 2);

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int exit = io.shoal.cli.Shoal.run(
                    new String[] {
                        "--host",
                        "unix://" + cluster.apiSocket(),
                        "lb",
                        "config",
                        "--haproxy",
                        "--check-interval",
                        "1000"
                    },
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    System.err);
            assertThat(exit).isZero();
            config = out.toString(StandardCharsets.UTF_8);
            // Stats for the test to read which servers HAProxy has up.
            String withStats = config + "listen stats\n    bind :" + STATS + "\n    mode http\n    stats enable\n"
                    + "    stats uri /stats\n";
            Path file = cluster.workDir().resolve("haproxy-lb.cfg");
            Files.writeString(file, withStats);
            haproxy = lb.start("/usr/sbin/haproxy", "-db", "-f", file.toString());
            // Checks every second, 2 to go down or up: on a loaded machine the first ones may time out.
            await("HAProxy answers on every port")
                    .atMost(Duration.ofSeconds(60))
                    .failFast("haproxy exited", () -> !haproxy.isAlive())
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        HttpResult a = via(PROXIED);
                        HttpResult b = viaPath(LOCAL, "/cgi-bin/who");
                        HttpResult c = via(SURVIVOR);
                        System.out.println(java.time.Instant.now() + " waiting for HAProxy: " + PROXIED + " " + a
                                + " | " + LOCAL + " " + b + " | " + SURVIVOR + " " + c);
                        return a.ok() && b.ok() && c.ok();
                    });
            // The first checks of a just-started HAProxy can time out on a loaded machine: the tests
            // begin once every node serves what it should (detection is what they measure).
            await("HAProxy has every node up (h1 down for the local port)")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        Map<String, String> all =
                                Map.of(cluster.nodeId(1), "UP", cluster.nodeId(2), "UP", cluster.nodeId(3), "UP");
                        assertThat(statuses("shoal_tcp_" + PROXIED)).isEqualTo(all);
                        assertThat(statuses("shoal_tcp_" + SURVIVOR)).isEqualTo(all);
                        assertThat(statuses("shoal_tcp_" + LOCAL))
                                .isEqualTo(Map.of(
                                        cluster.nodeId(1), "DOWN", cluster.nodeId(2), "UP", cluster.nodeId(3), "UP"));
                    });
        } catch (RuntimeException | Error e) {
            if (cluster != null) {
                cluster.printLogs(System.out);
                if (haproxy != null) {
                    System.out.println("HAProxy output: " + haproxy.output());
                }
                if (lb != null) {
                    for (int port : new int[] {PROXIED, LOCAL, SURVIVOR}) {
                        System.out.println(
                                "via HAProxy " + port + ": " + viaPath(port, port == LOCAL ? "/cgi-bin/who" : "/"));
                        for (int i = 1; i <= 3; i++) {
                            System.out.println("  direct h" + i + ": " + direct(i, port) + ", health "
                                    + cluster.curl(i, HEALTH, "/healthz/ports/" + port));
                        }
                    }
                }
            }
            down();
            throw e;
        }
    }

    @AfterAll
    static void down() {
        if (haproxy != null) {
            haproxy.kill();
            haproxy = null;
        }
        ShoalCluster.closeAndCheck(cluster);
        cluster = null;
    }

    @Test
    @Order(1)
    void proxyEndToEndEveryAnswerCarriesTheClientsOwnAddressAndPort() {
        assertThat(section(config, "\nbackend shoal_tcp_" + PROXIED))
                .as("the generated config sends PROXY v2 to the port that trusts the balancer")
                .contains(cluster.host(1).address().getHostAddress() + ":" + PROXIED + " send-proxy-v2");
        assertThat(section(config, "\nbackend shoal_tcp_" + SURVIVOR)).doesNotContain("send-proxy");
        String client = cluster.client().address().getHostAddress();
        Set<String> nodesSeen = new HashSet<>();
        for (int k = 0; k < 30; k++) {
            HttpResult r = via(PROXIED);
            assertThat(r.ok()).as("request %d: %s", k, r).isTrue();
            // PROXY TCP4 <client ip> <node ip> <client port> <published port>, then what curl used.
            String[] lines = r.body().strip().split("\n");
            String[] proxy = lines[0].split(" ");
            String[] local = lines[lines.length - 1].split(" ");
            assertThat(proxy).as("answer %d: %s", k, r.body()).hasSize(6);
            assertThat(proxy[0] + " " + proxy[1]).isEqualTo("PROXY TCP4");
            assertThat(proxy[2])
                    .as("client address at the task")
                    .isEqualTo(client)
                    .isEqualTo(local[0]);
            assertThat(proxy[4]).as("client port at the task").isEqualTo(local[1]);
            assertThat(proxy[5]).isEqualTo(Integer.toString(PROXIED));
            nodesSeen.add(proxy[3]);
        }
        assertThat(nodesSeen)
                .as("HAProxy spread the requests over the nodes' meshes")
                .hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    @Order(2)
    void aProxyHeaderFromAnUntrustedAddressIsRefusedAndHarmsNoOtherConnection() {
        String client = cluster.client().address().getHostAddress();
        RequestLoop.Result result;
        try (RequestLoop loop = new RequestLoop(
                        h -> via(PROXIED), new int[] {0}, Duration.ofMillis(20), Duration.ofMinutes(1))
                .start()) {
            for (int round = 0; round < 3; round++) {
                for (int i = 1; i <= 3; i++) {
                    // curl's own PROXY v1 header, straight to a node: the client is not trusted.
                    ExecResult forged = cluster.client()
                            .exec(
                                    Duration.ofSeconds(10),
                                    "curl",
                                    "-sS",
                                    "--haproxy-protocol",
                                    "--max-time",
                                    "3",
                                    "http://" + cluster.host(i).address().getHostAddress() + ":" + PROXIED + "/");
                    assertThat(forged.exitCode())
                            .as("untrusted PROXY header to h%d: %s", i, forged)
                            .isNotZero();
                    assertThat(forged.stdout()).doesNotContain("PROXY");
                }
            }
            // Without a header, the untrusted client is proxied as usual and the task sees it.
            HttpResult plain = direct(2, PROXIED);
            assertThat(plain.ok()).as("%s", plain).isTrue();
            assertThat(plain.body()).startsWith("PROXY TCP4 " + client + " ");
            await().pollDelay(Duration.ofMillis(500)).until(() -> true);
            result = loop.stop();
        }
        assertThat(result.sent()).as("%s", result).isGreaterThan(10);
        assertThat(result.failed()).as("%s", result).isZero();
    }

    @Test
    @Order(3)
    void localPolicyTaskSeesTheClientsOwnAddressAndHaproxySkipsTheNodeWithoutATask() {
        String h1 = cluster.nodeId(1);
        Set<String> withTask =
                cluster.waitForRunning("loc", 2).stream().map(TaskView::nodeId).collect(Collectors.toSet());
        assertThat(withTask).containsExactlyInAnyOrder(cluster.nodeId(2), cluster.nodeId(3));
        for (int i = 1; i <= 3; i++) {
            // What the agent installed (netlink and nft), once per node.
            assertThat(cluster.host(i).exec("ip", "rule", "show").stdout())
                    .as("h%d's policy rule", i)
                    .containsOnlyOnce("fwmark 0x5e lookup 94");
            assertThat(cluster.host(i)
                            .exec("ip", "route", "show", "table", "94")
                            .stdout())
                    .contains("local default dev lo");
        }
        assertThat(cluster.curl(1, HEALTH, "/healthz/ports/" + LOCAL).status()).isEqualTo(503);
        assertThat(cluster.curl(2, HEALTH, "/healthz/ports/" + LOCAL).status()).isEqualTo(200);
        await("HAProxy has h1 down and h2, h3 up for the local port")
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(statuses("shoal_tcp_" + LOCAL))
                        .containsEntry(h1, "DOWN")
                        .containsEntry(cluster.nodeId(2), "UP")
                        .containsEntry(cluster.nodeId(3), "UP"));
        String client = cluster.client().address().getHostAddress();
        Map<String, Integer> answeredBy = new HashMap<>();
        for (int k = 0; k < 20; k++) {
            HttpResult r = viaPath(LOCAL, "/cgi-bin/who");
            assertThat(r.ok()).as("request %d: %s", k, r).isTrue();
            String[] words = r.body().strip().split("\n")[0].split(" ");
            // busybox httpd listens on [::]: an IPv4 source reads ::ffff:a.b.c.d.
            assertThat(words[0].replace("[", "").replace("]", "").replace("::ffff:", ""))
                    .as("source address of the task's connection (no PROXY header)")
                    .isEqualTo(client);
            answeredBy.merge(words[1], 1, Integer::sum);
        }
        assertThat(answeredBy).as("both tasks answered").hasSize(2);
        // The node without a task refuses to forward elsewhere: a direct request finds nobody.
        assertThat(direct(1, LOCAL).ok()).isFalse();
    }

    @Test
    @Order(4)
    void aKilledNodeIsMarkedDownThroughItsHealthEndpointAndThenNoRequestFails() {
        String victim = cluster.nodeId(3);
        await("every node UP for the cluster-policy port")
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(statuses("shoal_tcp_" + SURVIVOR))
                        .containsEntry(victim, "UP")
                        .containsEntry(cluster.nodeId(1), "UP")
                        .containsEntry(cluster.nodeId(2), "UP"));
        cluster.killHost(3);
        long killed = System.nanoTime();
        // 2 failed checks 1 s apart (connection refused: shoald is gone, the namespace stays).
        await("HAProxy marks the killed node DOWN")
                .atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(statuses("shoal_tcp_" + SURVIVOR))
                        .containsEntry(victim, "DOWN")
                        .containsEntry(cluster.nodeId(1), "UP")
                        .containsEntry(cluster.nodeId(2), "UP"));
        Duration detection = Duration.ofNanos(System.nanoTime() - killed);
        RequestLoop.Result result;
        try (RequestLoop loop = new RequestLoop(
                        h -> via(SURVIVOR), new int[] {0}, Duration.ofMillis(20), Duration.ofMinutes(1))
                .start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> loop.sent() >= 100);
            result = loop.stop();
        }
        System.out.println("killed node marked DOWN by HAProxy after " + detection.toMillis() + " ms; then " + result);
        assertThat(result.sent()).as("%s", result).isGreaterThanOrEqualTo(100);
        assertThat(result.failed()).as("%s", result).isZero();
    }

    // ---- helpers ----

    private static ServiceSpec with(ServiceSpec spec, PortConfig port, Placement placement, long maxPerNode) {
        Placement p = new Placement(placement.constraints(), placement.preferences(), maxPerNode);
        return spec.withEndpoint(EndpointSpec.ports(port)).withTask(spec.task().withPlacement(p));
    }

    /** {@code GET /} through HAProxy from the client, with curl's own address and port in the last line. */
    private static HttpResult via(int port) {
        return viaPath(port, "/");
    }

    private static HttpResult viaPath(int port, String path) {
        return get(lb.address().getHostAddress(), port, path);
    }

    /** {@code GET /} from the client straight to host {@code i}'s mesh. */
    private static HttpResult direct(int i, int port) {
        return get(cluster.host(i).address().getHostAddress(), port, "/");
    }

    private static HttpResult get(String address, int port, String path) {
        return cluster.clientGet("http://" + address + ":" + port + path, "\n%{local_ip} %{local_port}");
    }

    /** HAProxy's status (UP, DOWN, …) of each server of {@code backend}, from its CSV stats. */
    private static Map<String, String> statuses(String backend) {
        ExecResult r = cluster.client()
                .exec(
                        Duration.ofSeconds(10),
                        "curl",
                        "-sS",
                        "--max-time",
                        "3",
                        "http://" + lb.address().getHostAddress() + ":" + STATS + "/stats;csv");
        assertThat(r.exitCode()).as("HAProxy stats: %s", r).isZero();
        List<String> lines = r.stdout().lines().toList();
        List<String> header = List.of(lines.get(0).replaceFirst("^# ", "").split(","));
        int px = header.indexOf("pxname");
        int sv = header.indexOf("svname");
        int status = header.indexOf("status");
        Map<String, String> out = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            if (f.length > status && f[px].equals(backend) && !f[sv].equals("BACKEND") && !f[sv].equals("FRONTEND")) {
                out.put(f[sv], f[status].split(" ")[0]);
            }
        }
        return out;
    }

    /** The lines of {@code config} from {@code start} to the next blank line. */
    private static String section(String config, String start) {
        int from = config.indexOf(start);
        assertThat(from).as("'%s' in the generated config", start).isNotNegative();
        int to = config.indexOf("\n\n", from);
        return config.substring(from, to < 0 ? config.length() : to);
    }
}
