package io.shoal.ingress.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.testbed.ExecResult;
import io.shoal.testbed.Host;
import io.shoal.testbed.HostProcess;
import io.shoal.testbed.Requirements;
import io.shoal.testbed.Testbed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routing mesh on a three-host {@link Testbed}: a mesh process ({@link MeshNode}) on every host,
 * Python line-echo backends ({@code meshpeer.py}) on every host reached at their fabric addresses
 * (the stand-in for the ingress overlay, which comes with the agent), {@code socat} UDP backends, and
 * a client namespace ({@code 198.18.1.1}) whose driver process opens the connections.
 *
 * <p>One testbed for the class (bring-up and three JVM starts are the slow part); the test that
 * kills a backend runs last.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshAcrossHostsTest {
    private static final Logger LOG = LoggerFactory.getLogger(MeshAcrossHostsTest.class);
    private static final String PYTHON = "/usr/bin/python3";
    private static final int ECHO = 8080;
    private static final int PROXIED = 8081;
    private static final int UDP = 5353;
    private static final int IDLE_CONNECTIONS = 5000;

    private Testbed tb;
    private Host client;
    private final List<Driven> meshes = new ArrayList<>();
    private final List<HostProcess> echoBackends = new ArrayList<>();
    private Driven driver;
    private String peer;

    @BeforeAll
    void startHostsMeshesAndBackends() throws Exception {
        Requirements.requireRoot();
        Requirements.require(Files.isExecutable(Path.of(PYTHON)), "python3 at " + PYTHON);
        Requirements.require(Files.isExecutable(Path.of("/usr/bin/socat")), "socat (apt-get install socat)");
        peer = Path.of(MeshAcrossHostsTest.class
                        .getResource("/netns/meshpeer.py")
                        .toURI())
                .toString();
        tb = Testbed.builder().hosts(3).start();
        client = tb.addClient("c");
        List<String> ips =
                tb.hosts().stream().map(h -> h.address().getHostAddress()).toList();
        String all = String.join(",", ips);
        for (Host h : tb.hosts()) {
            String ip = h.address().getHostAddress();
            echoBackends.add(h.start(PYTHON, peer, "server", "echo-" + h.name(), ip, "7000"));
            h.start(PYTHON, peer, "server", "pp-" + h.name(), ip, "7001", "proxy");
            h.start("socat", "UDP4-RECVFROM:5354,bind=" + ip + ",fork", "SYSTEM:read l; echo udp-" + h.name() + " $l");
        }
        // All three JVMs start at once: on a loaded machine that is most of the class's time.
        for (Host h : tb.hosts()) {
            meshes.add(new Driven(
                    "mesh-" + h.name(),
                    h.commandLine(
                            ProcessHandle.current().info().command().orElse("java"),
                            "-Xmx128m",
                            "-XX:+UseSerialGC",
                            "-cp",
                            System.getProperty("java.class.path"),
                            MeshNode.class.getName(),
                            h.address().getHostAddress(),
                            "2",
                            all,
                            "tcp:" + ECHO + ":7000:none",
                            "tcp:" + PROXIED + ":7001:v2",
                            "udp:" + UDP + ":5354:none")));
        }
        for (Driven mesh : meshes) {
            mesh.until("READY", 60);
        }
        for (Host h : tb.hosts()) {
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> h.listeningTcpPorts().containsAll(Set.of(7000, 7001)));
        }
        driver = new Driven("client", client.commandLine(PYTHON, peer, "client"));
    }

    @AfterAll
    void tearDown() {
        if (driver != null) {
            driver.close();
        }
        meshes.forEach(Driven::close);
        if (tb != null) {
            tb.close();
        }
    }

    @Test
    @Order(1)
    void clientReachesBackendsOnOtherHostsThroughEveryNodeAndRequestsSpreadOverAll() throws Exception {
        for (Host node : tb.hosts()) {
            Map<String, Integer> spread = new HashMap<>();
            for (String line : loop(9, node, ECHO)) {
                assertThat(line).as("request through %s", node).contains(" ok ");
                spread.merge(line.split(" ")[3], 1, Integer::sum);
            }
            assertThat(spread)
                    .as("backends answering through node %s", node.name())
                    .containsOnlyKeys("echo-h1", "echo-h2", "echo-h3");
            assertThat(spread.values()).containsOnly(3);
        }
    }

    @Test
    @Order(2)
    void udpEchoCrossesHostsThroughThePublishedPort() {
        Host node = tb.host(1);
        Set<String> answeredBy = new HashSet<>();
        for (int k = 0; k < 6; k++) {
            String payload = "datagram" + k;
            // A fresh socat per datagram: a fresh source port, so a new flow each time.
            String reply = await().atMost(Duration.ofSeconds(10))
                    .until(
                            () -> {
                                ExecResult r = client.exec(
                                        Duration.ofSeconds(5),
                                        "sh",
                                        "-c",
                                        "echo " + payload + " | socat -T2 - UDP4:"
                                                + node.address().getHostAddress() + ":" + UDP);
                                return r.exitCode() == 0 ? r.stdout().trim() : null;
                            },
                            r -> r != null && !r.isEmpty());
            assertThat(reply).endsWith(" " + payload);
            answeredBy.add(reply.substring(0, reply.indexOf(' ')));
        }
        assertThat(answeredBy).containsExactlyInAnyOrder("udp-h1", "udp-h2", "udp-h3");
    }

    @Test
    @Order(3)
    void backendOnAnotherHostReceivesProxyV2WithTheRealClientAddressAndPort() throws Exception {
        Host node = tb.host(2);
        for (int i = 0; i < 3; i++) {
            driver.send("proxy " + node.address().getHostAddress() + " " + PROXIED);
            // PROXIED <client ip> <client port> pp-hN proxy <src> <sport> <dst> <dport>
            String[] w = driver.line("PROXIED", 20).split(" ");
            assertThat(w[1]).isEqualTo(client.address().getHostAddress()).startsWith("198.18.1.");
            assertThat(w[4]).as("what the backend parsed").isEqualTo("proxy");
            assertThat(w[5]).as("source address in the header").isEqualTo(w[1]);
            assertThat(w[6]).as("source port in the header").isEqualTo(w[2]);
            assertThat(w[7])
                    .as("destination: the published address")
                    .isEqualTo(node.address().getHostAddress());
            assertThat(w[8]).isEqualTo(String.valueOf(PROXIED));
        }
    }

    @Test
    @Order(4)
    void fiveThousandIdleConnectionsHeldByTheMeshProcessWithBoundedHeap() throws Exception {
        Host node = tb.host(1);
        Driven mesh = meshes.get(0);
        long heapBefore = heapUsed(mesh);
        long rssBefore = rssKib(mesh.pid());
        long connectsBefore = metric(mesh, "shoal_ingress_backend_connect_seconds_count", ECHO);
        driver.send("hold " + IDLE_CONNECTIONS + " " + node.address().getHostAddress() + " " + ECHO);
        assertThat(driver.line("HELD", 60)).isEqualTo("HELD ok=" + IDLE_CONNECTIONS + " failed=0");
        // Held means relayed: every client connection has its backend connection on another host.
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> metric(mesh, "shoal_ingress_backend_connect_seconds_count", ECHO) - connectsBefore
                        >= IDLE_CONNECTIONS);
        assertThat(metric(mesh, "shoal_ingress_connections_active", ECHO)).isGreaterThanOrEqualTo(IDLE_CONNECTIONS);
        long heapAfter = heapUsed(mesh);
        long rssAfter = rssKib(mesh.pid());
        long perConnection = Math.max(0, heapAfter - heapBefore) / IDLE_CONNECTIONS;
        LOG.info(
                "{} idle connections in the mesh process: heap after GC {} KiB -> {} KiB ({} bytes per connection),"
                        + " VmRSS {} KiB -> {} KiB",
                IDLE_CONNECTIONS,
                heapBefore >> 10,
                heapAfter >> 10,
                perConnection,
                rssBefore,
                rssAfter);
        assertThat(perConnection)
                .as("proxy heap per held connection (both sockets)")
                .isLessThan(4096);
        assertThat(heapAfter).as("proxy heap with all of them held").isLessThan(64L << 20);

        // With all of them held, others are still served at once.
        for (String line : loop(6, node, ECHO)) {
            assertThat(line).contains(" ok ");
        }
        driver.send("release");
        driver.line("RELEASED", 30);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> metric(mesh, "shoal_ingress_connections_active", ECHO) == 0);
    }

    @Test
    @Order(5)
    void slowClientsTricklingBytesDoNotStallOthers() throws Exception {
        Host node = tb.host(3);
        driver.send("trickle 200 " + node.address().getHostAddress() + " " + ECHO + " 100");
        assertThat(driver.line("TRICKLING", 30)).isEqualTo("TRICKLING 200");
        // Let every slow client get at least two bytes in before the others are measured, so the
        // mesh really holds 200 half-sent requests while it serves them (on a quiet machine the 20
        // requests would otherwise finish before the first trickle round).
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    driver.send("trickled");
                    String line = driver.line("TRICKLED", 30);
                    return Long.parseLong(line.substring(line.indexOf('=') + 1)) >= 400;
                });
        List<String> served = loop(20, node, ECHO);
        driver.send("stop");
        String stopped = driver.line("STOPPED", 30);
        // The slow clients never finish their requests; a proxy that waited on them (a thread or a
        // buffer per request) would hold every other request back for as long as they trickle. The
        // bound is loose because this machine is shared and loaded: one SYN retransmit is 1 s.
        List<Integer> latencies = new ArrayList<>();
        for (String line : served) {
            assertThat(line).contains(" ok ");
            int millis = Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1));
            latencies.add(millis);
            assertThat(millis)
                    .as("latency of %s next to 200 slow clients", line)
                    .isLessThan(3000);
        }
        LOG.info("20 requests next to 200 slow clients: latencies {} ms", latencies);
        Matcher m = Pattern.compile("STOPPED sent=(\\d+) open=(\\d+)").matcher(stopped);
        assertThat(m.matches()).as(stopped).isTrue();
        assertThat(Long.parseLong(m.group(1))).as("bytes trickled").isGreaterThan(200);
        assertThat(Integer.parseInt(m.group(2)))
                .as("slow connections still open")
                .isEqualTo(200);
    }

    @Test
    @Order(6)
    void killedBackendFailsOnlyTheRequestsAlreadyOnIt() throws Exception {
        Host node = tb.host(1);
        Driven mesh = meshes.get(0);
        // Six sessions, two on each backend (round robin), each has answered once.
        driver.send("open 6 " + node.address().getHostAddress() + " " + ECHO);
        List<String> open = driver.until("OPENED", 30);
        Map<Integer, String> sessionBackend = new HashMap<>();
        for (String line : open.subList(0, open.size() - 1)) {
            String[] w = line.split(" "); // OPEN i echo-hN hello
            sessionBackend.put(Integer.parseInt(w[1]), w[2]);
        }
        assertThat(sessionBackend.values()).containsOnly("echo-h1", "echo-h2", "echo-h3");
        long failuresBefore = metric(mesh, "shoal_ingress_backend_connect_failures_total", ECHO);

        // A loop of fresh requests; backend h3 is killed (SIGKILL) in its middle.
        driver.send("loop 30 " + node.address().getHostAddress() + " " + ECHO + " 10");
        List<String> loop = new ArrayList<>(driver.until("PAUSED", 30));
        echoBackends.get(2).kill();
        driver.send("continue");
        loop.addAll(driver.until("LOOPED", 60));
        List<String> results = loop.stream().filter(l -> l.startsWith("LOOP ")).toList();
        assertThat(results).hasSize(30).allSatisfy(l -> assertThat(l).contains(" ok "));
        assertThat(results.subList(10, 30)).noneMatch(l -> l.contains("echo-h3"));
        assertThat(metric(mesh, "shoal_ingress_backend_connect_failures_total", ECHO))
                .as("connects to the dead backend, each retried elsewhere")
                .isGreaterThan(failuresBefore);

        // Only the sessions that were on the killed backend fail.
        driver.send("ping");
        List<String> pings = driver.until("PINGED", 30);
        for (String line : pings.subList(0, pings.size() - 1)) {
            String[] w = line.split(" "); // PING i ok|fail ...
            boolean wasOnDead = sessionBackend.get(Integer.parseInt(w[1])).equals("echo-h3");
            assertThat(w[2])
                    .as("%s (session on %s)", line, sessionBackend.get(Integer.parseInt(w[1])))
                    .isEqualTo(wasOnDead ? "fail" : "ok");
        }
    }

    /** {@code n} requests through {@code node}, each on a fresh connection: the LOOP lines. */
    private List<String> loop(int n, Host node, int port) throws Exception {
        driver.send("loop " + n + " " + node.address().getHostAddress() + " " + port + " -1");
        return driver.until("LOOPED", 60).stream()
                .filter(l -> l.startsWith("LOOP "))
                .toList();
    }

    private static long heapUsed(Driven mesh) throws Exception {
        mesh.send("memory");
        Matcher m = Pattern.compile("MEMORY heap_used_bytes=(\\d+) .*").matcher(mesh.line("MEMORY", 30));
        assertThat(m.matches()).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static long rssKib(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new AssertionError("no VmRSS in /proc/" + pid + "/status");
    }

    /** A TCP port's sample from the mesh's metrics. */
    private static long metric(Driven mesh, String name, int port) throws Exception {
        mesh.send("metrics");
        String prefix = name + "{port=\"" + port + "\",protocol=\"tcp\"} ";
        for (String line : mesh.until("END", 30)) {
            if (line.startsWith(prefix)) {
                return (long) Double.parseDouble(line.substring(prefix.length()));
            }
        }
        throw new AssertionError("the mesh printed no " + prefix);
    }
}
