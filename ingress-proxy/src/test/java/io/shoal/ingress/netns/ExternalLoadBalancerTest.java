package io.shoal.ingress.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.testbed.ExecResult;
import io.shoal.testbed.Host;
import io.shoal.testbed.Requirements;
import io.shoal.testbed.Testbed;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * An external load balancer in front of two nodes, on a {@link Testbed}: each host {@code hN} runs
 * the mesh ({@link MeshNode}, with its health endpoint on {@code :9180}) and has one task in a
 * namespace of its own behind a veth ({@code 100.64.N.2}, default route via the host's {@code
 * 100.64.N.1}); the task answers every connection with the address its socket sees the connection
 * come from. Port 8080 has the local traffic policy and the mesh connects to the task transparently
 * (from the client's address), with the node's policy routing the agent will install: replies to a
 * transparent socket are delivered locally ({@code nft socket transparent} → mark → {@code ip rule
 * fwmark} → {@code local 0.0.0.0/0} table).
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExternalLoadBalancerTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static final Path HAPROXY = Path.of("/usr/sbin/haproxy");
    private static final int PUBLISHED = 8080;
    private static final int HEALTH = 9180;

    private Testbed tb;
    private Host client;
    private Host lb;
    private final List<String> taskNamespaces = new ArrayList<>();
    private final List<Driven> meshes = new ArrayList<>();
    private final List<Process> tasks = new ArrayList<>();
    private Driven driver;
    private Process haproxy;
    private Path haproxyDir;

    @BeforeAll
    void startNodesAndTasks() throws Exception {
        Requirements.requireRoot();
        Requirements.require(Files.isExecutable(Path.of(PYTHON)), "python3 at " + PYTHON);
        Requirements.require(Files.isExecutable(Path.of("/usr/sbin/nft")), "nft (apt-get install nftables)");
        String peer = Path.of(ExternalLoadBalancerTest.class
                        .getResource("/netns/meshpeer.py")
                        .toURI())
                .toString();
        tb = Testbed.builder().hosts(2).start();
        client = tb.addClient("c");
        lb = tb.addClient("lb");
        String backends = "100.64.1.2@n1,100.64.2.2@n2";
        for (Host h : tb.hosts()) {
            int n = Integer.parseInt(h.name().substring(1));
            String taskNs = tb.prefix().value() + "-t" + n;
            taskNamespaces.add(taskNs);
            wireTask(h.namespace(), taskNs, n);
            tasks.add(new ProcessBuilder(Netns.in(
                            taskNs, PYTHON, peer, "server", "task-" + h.name(), "100.64." + n + ".2", "7000", "peer"))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start());
            meshes.add(new Driven(
                    "mesh-" + h.name(),
                    h.commandLine(
                            ProcessHandle.current().info().command().orElse("java"),
                            "-Xmx96m",
                            "-XX:+UseSerialGC",
                            "-Dshoal.mesh.node=n" + n,
                            "-Dshoal.ingress.transparent=true",
                            "-Dshoal.ingress.trusted=" + lb.address().getHostAddress() + "/32",
                            "-Dshoal.health=" + h.address().getHostAddress() + ":" + HEALTH,
                            "-cp",
                            System.getProperty("java.class.path"),
                            MeshNode.class.getName(),
                            h.address().getHostAddress(),
                            "1",
                            backends,
                            "tcp:" + PUBLISHED + ":7000:none:local")));
        }
        for (Driven mesh : meshes) {
            mesh.until("READY", 60);
        }
        driver = new Driven("client", client.commandLine(PYTHON, peer, "client"));
    }

    /** The task namespace behind host {@code n} and the host's policy routing for transparent sockets. */
    private static void wireTask(String hostNs, String taskNs, int n) {
        Netns.run("ip", "netns", "add", taskNs);
        Netns.run("ip", "-n", hostNs, "link", "add", "tv" + n, "type", "veth", "peer", "name", "eth0", "netns", taskNs);
        Netns.run("ip", "-n", hostNs, "addr", "add", "100.64." + n + ".1/24", "dev", "tv" + n);
        Netns.run("ip", "-n", hostNs, "link", "set", "tv" + n, "up");
        Netns.run("ip", "-n", taskNs, "addr", "add", "100.64." + n + ".2/24", "dev", "eth0");
        Netns.run("ip", "-n", taskNs, "link", "set", "eth0", "up");
        Netns.run("ip", "-n", taskNs, "link", "set", "lo", "up");
        Netns.run("ip", "-n", taskNs, "route", "add", "default", "via", "100.64." + n + ".1");
        // What the agent installs on a node for transparent local forwarding.
        Netns.run(Netns.in(
                hostNs,
                "nft",
                "add table ip shoal_tproxy; add chain ip shoal_tproxy pre { type filter hook prerouting priority mangle;"
                        + " policy accept; }; add rule ip shoal_tproxy pre socket transparent 1 meta mark set 0x5e"));
        Netns.run("ip", "-n", hostNs, "rule", "add", "fwmark", "0x5e", "lookup", "94");
        Netns.run("ip", "-n", hostNs, "route", "add", "local", "0.0.0.0/0", "dev", "lo", "table", "94");
    }

    @AfterAll
    void tearDown() throws Exception {
        if (haproxy != null) {
            haproxy.destroyForcibly();
            haproxy.waitFor();
        }
        if (driver != null) {
            driver.close();
        }
        meshes.forEach(Driven::close);
        for (Process p : tasks) {
            p.destroyForcibly();
            p.waitFor();
        }
        for (String ns : taskNamespaces) {
            Netns.killAll(ns);
            Netns.tryRun("ip", "netns", "del", ns);
        }
        if (tb != null) {
            tb.close();
        }
        if (haproxyDir != null) {
            try (var files = Files.list(haproxyDir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(haproxyDir);
        }
    }

    @Test
    @Order(1)
    void localTaskSeesTheClientsOwnAddressAndOnlyTheNodesOwnTaskAnswers() throws Exception {
        for (Host node : tb.hosts()) {
            for (int i = 0; i < 3; i++) {
                driver.send("proxy " + node.address().getHostAddress() + " " + PUBLISHED);
                // PROXIED <client ip> <client port> task-hN peer <ip the task saw> <port>
                String[] w = driver.line("PROXIED", 20).split(" ");
                assertThat(w[3]).as("answering task through %s", node.name()).isEqualTo("task-" + node.name());
                assertThat(w[4]).isEqualTo("peer");
                assertThat(w[5])
                        .as("source address the task's socket saw")
                        .isEqualTo(client.address().getHostAddress())
                        .isEqualTo(w[1]);
            }
        }
    }

    @Test
    @Order(2)
    void nodeWithoutALocalTaskIsUnhealthyForTheLocalPort() throws Exception {
        Host h2 = tb.host(2);
        meshes.get(1).send("backends 100.64.1.2@n1");
        meshes.get(1).line("UPDATED", 20);
        try {
            assertThat(curl(h2, "/healthz/ports/" + PUBLISHED)).isEqualTo("503 no ready task on this node");
            assertThat(curl(h2, "/healthz")).isEqualTo("200 ok");
            assertThat(curl(tb.host(1), "/healthz/ports/" + PUBLISHED + "/tcp")).isEqualTo("200 ok");
        } finally {
            meshes.get(1).send("backends 100.64.1.2@n1,100.64.2.2@n2");
            meshes.get(1).line("UPDATED", 20);
        }
        assertThat(curl(h2, "/healthz/ports/" + PUBLISHED)).isEqualTo("200 ok");
    }

    @Test
    @Order(3)
    void haproxyStopsSendingToADrainingNodeWhileEveryRequestSucceeds() throws Exception {
        Requirements.require(Files.isExecutable(HAPROXY), "haproxy at " + HAPROXY + " (apt-get install haproxy)");
        haproxyDir = Files.createTempDirectory("shoal-lb-" + tb.prefix().value());
        Path socket = haproxyDir.resolve("admin.sock");
        Path cfg = haproxyDir.resolve("haproxy.cfg");
        String lbIp = lb.address().getHostAddress();
        StringBuilder c = new StringBuilder()
                .append("global\n  stats socket ")
                .append(socket)
                .append(" mode 600 level admin\n")
                .append("defaults\n  mode tcp\n  timeout connect 2s\n  timeout client 10s\n  timeout server 10s\n")
                .append("frontend fe\n  bind ")
                .append(lbIp)
                .append(":80\n  default_backend nodes\n")
                .append("backend nodes\n  balance roundrobin\n  option httpchk GET /healthz/ports/")
                .append(PUBLISHED)
                .append("\n  default-server check port ")
                .append(HEALTH)
                .append(" inter 200ms fall 2 rise 2 send-proxy-v2\n");
        for (Host h : tb.hosts()) {
            c.append("  server ")
                    .append(h.name())
                    .append(' ')
                    .append(h.address().getHostAddress())
                    .append(':')
                    .append(PUBLISHED)
                    .append('\n');
        }
        Files.writeString(cfg, c.toString(), StandardCharsets.UTF_8);
        haproxy = new ProcessBuilder(lb.commandLine(HAPROXY.toString(), "-db", "-f", cfg.toString()))
                .redirectErrorStream(true)
                .redirectOutput(haproxyDir.resolve("haproxy.log").toFile())
                .start();
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> status(socket, "h1").equals("UP")
                        && status(socket, "h2").equals("UP"));

        // Through HAProxy (PROXY v2 to the node, transparent to the local task): the task sees the client.
        Set<String> answeredBy = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            driver.send("proxy " + lbIp + " 80");
            String[] w = driver.line("PROXIED", 20).split(" ");
            answeredBy.add(w[3]);
            assertThat(w[5])
                    .as("address seen by %s through HAProxy", w[3])
                    .isEqualTo(client.address().getHostAddress());
        }
        assertThat(answeredBy).containsExactlyInAnyOrder("task-h1", "task-h2");

        meshes.get(0).send("drain on");
        meshes.get(0).line("DRAINING", 20);
        // Until HAProxy's checks notice, it still sends to h1, which still serves.
        assertThat(loop(lbIp, 10)).allSatisfy(l -> assertThat(l).contains(" ok "));
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> status(socket, "h1").equals("DOWN"));
        assertThat(status(socket, "h2")).isEqualTo("UP");
        List<String> after = loop(lbIp, 10);
        assertThat(after).allSatisfy(l -> assertThat(l).contains(" ok task-h2 "));
        // The draining node itself still serves a client that comes straight to it.
        driver.send("proxy " + tb.host(1).address().getHostAddress() + " " + PUBLISHED);
        assertThat(driver.line("PROXIED", 20)).contains(" task-h1 peer ");

        meshes.get(0).send("drain off");
        meshes.get(0).line("SERVING", 20);
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> status(socket, "h1").equals("UP"));
    }

    @Test
    @Order(4)
    void killedNodeIsMarkedDownAndLaterRequestsAllSucceed() throws Exception {
        Requirements.require(haproxy != null && haproxy.isAlive(), "HAProxy started by the previous test");
        Path socket = haproxyDir.resolve("admin.sock");
        String lbIp = lb.address().getHostAddress();
        // The node's mesh process dies (SIGKILL): its health checks are refused from now on.
        meshes.get(0).close();
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> status(socket, "h1").equals("DOWN"));
        assertThat(loop(lbIp, 10)).allSatisfy(l -> assertThat(l).contains(" ok task-h2 "));
    }

    /** {@code n} requests through HAProxy, each on a fresh connection: the LOOP lines. */
    private List<String> loop(String host, int n) throws Exception {
        driver.send("loop " + n + " " + host + " 80 -1");
        return driver.until("LOOPED", 60).stream()
                .filter(l -> l.startsWith("LOOP "))
                .toList();
    }

    /** HAProxy's view of server {@code name} in backend {@code nodes}: UP, DOWN, … */
    private String status(Path socket, String name) {
        ExecResult r =
                lb.execWithInput("show stat\n", Duration.ofSeconds(5), "socat", "-t2", "-", "UNIX-CONNECT:" + socket);
        String[] lines = r.stdout().split("\n");
        List<String> header = List.of(lines[0].replace("# ", "").split(","));
        int statusColumn = header.indexOf("status");
        for (String line : lines) {
            String[] f = line.split(",", -1);
            if (f.length > statusColumn && f[0].equals("nodes") && f[1].equals(name)) {
                return f[statusColumn].split(" ")[0];
            }
        }
        return "absent";
    }

    /** The health endpoint of {@code node} as the client sees it: status and body on one line. */
    private String curl(Host node, String path) {
        ExecResult r = client.exec(
                Duration.ofSeconds(10),
                "curl",
                "-s",
                "--max-time",
                "5",
                "-w",
                " %{http_code}",
                "http://" + node.address().getHostAddress() + ":" + HEALTH + path);
        // The body ("reason\n") then " <code>", in the order curl wrote them to one stream.
        String out = r.stdout().trim();
        int space = out.lastIndexOf(' ');
        return out.substring(space + 1) + " " + out.substring(0, space).trim();
    }
}
