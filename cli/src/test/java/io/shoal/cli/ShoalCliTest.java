package io.shoal.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.model.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code shoal} command against a real manager over its unix socket (see {@link LiveManager});
 * listings are read back with {@code --format json}. Each test uses its own names.
 */
class ShoalCliTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;

    private static LiveManager manager;

    @BeforeAll
    static void start() throws Exception {
        manager = new LiveManager(dir);
        await().atMost(WAIT).until(manager::leads);
        await().atMost(WAIT)
                .until(() -> shoal("node", "ls", "--format", "json").json().size() == 3);
    }

    @AfterAll
    static void stop() throws Exception {
        if (manager != null) {
            manager.close();
        }
    }

    record Run(int exit, String out, String err) {
        JsonNode json() throws Exception {
            return Json.mapper().readTree(out);
        }

        List<String> lines() {
            return out.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    static Run shoal(String... args) {
        List<String> all = new ArrayList<>(List.of("--host", "unix://" + manager.socket));
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = Shoal.run(all.toArray(String[]::new), o, e);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Run ok(String... args) {
        Run r = shoal(args);
        assertThat(r.exit())
                .as("shoal %s\nstdout: %s\nstderr: %s", String.join(" ", args), r.out(), r.err())
                .isZero();
        return r;
    }

    static void eventually(org.awaitility.core.ThrowingRunnable assertion) {
        await().atMost(WAIT).untilAsserted(assertion);
    }

    static JsonNode row(JsonNode rows, String field, String value) {
        for (JsonNode r : rows) {
            if (r.path(field).asText().equals(value)) {
                return r;
            }
        }
        throw new AssertionError("no row with " + field + "=" + value + " in " + rows.toPrettyString());
    }

    @Test
    void serviceConvergesScalesUpdatesRollsBackAndGoes() throws Exception {
        ok("network", "create", "--subnet", "100.64.40.0/24", "cli-net");
        // Listings come from the manager's view of ZooKeeper, which may trail a write by a moment.
        eventually(() -> assertThat(row(ok("network", "ls", "--format", "json").json(), "name", "cli-net")
                        .path("subnet")
                        .asText())
                .isEqualTo("100.64.40.0/24"));

        Run created = ok(
                "service",
                "create",
                "--name",
                "cli-web",
                "--replicas",
                "3",
                "-p",
                "8081:80",
                "--network",
                "cli-net",
                "--env",
                "A=1",
                "shoal/busybox:test",
                "httpd",
                "-f",
                "-p",
                "80");
        assertThat(created.out()).contains("overall progress: 3 out of 3 tasks", "verify: service cli-web converged");

        JsonNode web = row(ok("service", "ls", "--format", "json").json(), "name", "cli-web");
        assertThat(web.path("mode").asText()).isEqualTo("replicated");
        assertThat(web.path("replicas").asText()).isEqualTo("3/3");
        assertThat(web.path("ports").get(0).asText()).isEqualTo("*:8081->80/tcp");
        assertThat(web.path("id").asText()).hasSize(12);
        assertThat(ok("service", "ls").lines().get(0)).matches("ID\\s+NAME\\s+MODE\\s+REPLICAS\\s+IMAGE\\s+PORTS");

        JsonNode tasks = ok("service", "ps", "cli-web", "--format", "json").json();
        assertThat(tasks).hasSize(3);
        for (JsonNode t : tasks) {
            assertThat(t.path("node").asText()).isIn("mgr", "host2", "host3");
            assertThat(t.path("currentState").asText()).startsWith("Running");
            assertThat(t.path("desiredState").asText()).isEqualTo("Running");
        }

        JsonNode inspected = ok("service", "inspect", "cli-web").json().get(0);
        assertThat(inspected
                        .path("spec")
                        .path("task")
                        .path("container")
                        .path("args")
                        .toString())
                .isEqualTo("[\"httpd\",\"-f\",\"-p\",\"80\"]");

        assertThat(ok("service", "scale", "cli-web=5").out()).contains("cli-web scaled to 5", "5 out of 5 tasks");
        assertThat(row(ok("service", "ls", "--format", "json").json(), "name", "cli-web")
                        .path("replicas")
                        .asText())
                .isEqualTo("5/5");

        ok("service", "update", "--image", "shoal/busybox:v2", "--env-add", "B=2", "cli-web");
        JsonNode running = ok("service", "ps", "cli-web", "--filter", "desired-state=running", "--format", "json")
                .json();
        assertThat(running).hasSize(5).allMatch(t -> t.path("image").asText().equals("shoal/busybox:v2"));

        ok("service", "rollback", "cli-web");
        JsonNode back = ok("service", "inspect", "cli-web").json().get(0);
        assertThat(back.path("spec")
                        .path("task")
                        .path("container")
                        .path("image")
                        .asText())
                .isEqualTo("shoal/busybox:test");
        assertThat(ok("service", "ps", "cli-web", "--filter", "desired-state=running", "--format", "json")
                        .json())
                .hasSize(5)
                .allMatch(t -> t.path("image").asText().equals("shoal/busybox:test"));

        ok("service", "rm", "cli-web");
        // Other tests' services may exist meanwhile: this one must be gone.
        eventually(() -> assertThat(ok("service", "ls").out()).doesNotContain("cli-web"));
        ok("network", "rm", "cli-net");
        eventually(() -> assertThat(ok("network", "ls", "--format", "json").json())
                .noneMatch(n -> n.path("name").asText().equals("cli-net")));
    }

    @Test
    void nodesShowTheLeaderAndDrainEmptiesANode() throws Exception {
        ok("node", "update", "--role", "manager", "m1");
        eventually(() -> assertThat(row(ok("node", "ls", "--format", "json").json(), "hostname", "mgr")
                        .path("managerStatus")
                        .asText())
                .isEqualTo("Leader"));
        JsonNode nodes = ok("node", "ls", "--format", "json").json();
        assertThat(row(nodes, "hostname", "mgr").path("self").asBoolean()).isTrue();
        assertThat(row(nodes, "hostname", "host2").path("managerStatus").asText())
                .isEmpty();
        assertThat(ok("node", "ls").out()).containsPattern("m1 \\*\\s+mgr\\s+Ready\\s+Active\\s+Leader");

        ok("service", "create", "--name", "cli-spread", "--replicas", "3", "img:1");
        ok("node", "update", "--availability", "drain", "n3");
        eventually(() -> assertThat(row(ok("node", "ls", "--format", "json").json(), "hostname", "host3")
                        .path("availability")
                        .asText())
                .isEqualTo("Drain"));
        await().atMost(WAIT).until(() -> {
            JsonNode running = shoal(
                            "service", "ps", "cli-spread", "--filter", "desired-state=running", "--format", "json")
                    .json();
            return running.size() == 3
                    && running.findValuesAsText("node").stream().noneMatch("host3"::equals)
                    && running.findValuesAsText("currentState").stream().allMatch(s -> s.startsWith("Running"));
        });
        ok("node", "update", "--availability", "active", "n3");
        ok("service", "rm", "cli-spread");
    }

    @Test
    void failuresPrintTheManagersMessageAndExitNonZero() {
        Run missing = shoal("service", "inspect", "no-such-service");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err().strip()).isEqualTo("Error: service 'no-such-service' not found");

        Run badNet = shoal("service", "create", "--name", "cli-lost", "--network", "nowhere", "-d", "img:1");
        assertThat(badNet.exit()).isEqualTo(1);
        assertThat(badNet.err()).contains("task.networks[0].target: network 'nowhere' not found");

        Run usage = shoal("service", "create", "--name", "cli-x", "-p", "eighty", "img:1");
        assertThat(usage.exit()).isEqualTo(2);
        assertThat(usage.err()).contains("--publish: 'eighty'");
        assertThat(shoal("service", "frobnicate").exit()).isEqualTo(2);

        Run noToken = shoal("swarm", "join-token", "worker");
        assertThat(noToken.exit()).isEqualTo(1);
        assertThat(noToken.err()).contains("--rotate");

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Shoal.run(
                new String[] {"--host", "unix://" + dir.resolve("absent.sock"), "service", "ls"},
                new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("Error: cannot reach the Shoal manager at unix://");
    }

    @Test
    void tcpHostReachesTheSameManager() throws Exception {
        ok("network", "create", "cli-tcp-net");
        eventually(() -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int exit = Shoal.run(
                    new String[] {"--host", manager.tcpHost(), "network", "ls", "--format", "json"},
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(new ByteArrayOutputStream()));
            assertThat(exit).isZero();
            assertThat(row(Json.mapper().readTree(out.toString(StandardCharsets.UTF_8)), "name", "cli-tcp-net")
                            .path("driver")
                            .asText())
                    .isEqualTo("overlay");
        });
        ok("network", "rm", "cli-tcp-net");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int badExit = Shoal.run(
                new String[] {"--host", "http://nowhere", "service", "ls"},
                new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(badExit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("--host: 'http://nowhere' must be unix:///path/to/socket or tcp://HOST:PORT");
    }

    @Test
    void rotatedJoinTokenIsPrintedOnce() {
        String token =
                ok("swarm", "join-token", "--rotate", "-q", "worker").out().strip();
        assertThat(token).matches("SHOALTKN-1-worker-[0-9a-f]{64}");
        assertThat(manager.roleOf(token)).isEqualTo("worker");
        String next =
                ok("swarm", "join-token", "--rotate", "-q", "worker").out().strip();
        assertThat(next).isNotEqualTo(token).startsWith("SHOALTKN-1-worker-");
        // The old token stops working; the new one works.
        assertThat(manager.roleOf(token)).startsWith("refused");
        assertThat(manager.roleOf(next)).isEqualTo("worker");
    }

    @Test
    void lbConfigFrontsEveryNodeForEveryPublishedPortWithHealthChecks() throws Exception {
        ok("service", "create", "--name", "cli-lb", "-p", "8480:80", "-p", "8453:53/udp", "-d", "img:1");
        eventually(() -> assertThat(shoal("lb", "config", "--haproxy").out()).contains("frontend shoal_tcp_8480"));

        String haproxy = ok("lb", "config", "--haproxy", "--send-proxy").out();
        assertThat(haproxy)
                .contains("bind :8480")
                .contains("option httpchk GET /healthz/ports/8480/tcp")
                .contains("default-server check port 9180 inter 1000 fall 2 rise 2\n")
                .contains("198.18.0.1:8480 send-proxy-v2\n")
                .contains("198.18.0.1:8480", "198.18.0.2:8480", "198.18.0.3:8480")
                .contains("8453/udp (cli-lb): HAProxy does not balance UDP");
        String nginx = ok("lb", "config", "--nginx", "--health-port", "9999").out();
        assertThat(nginx)
                .contains("upstream shoal_tcp_8480")
                .contains("listen 8453 udp;")
                .contains("server 198.18.0.2:8453 max_fails=2 fail_timeout=5s;")
                .contains("(port 9999)");

        // Debian's HAProxy accepts what was generated (a syntax check; nothing is bound).
        Path haproxyBinary = Path.of("/usr/sbin/haproxy");
        if (java.nio.file.Files.isExecutable(haproxyBinary)) {
            Path cfg = dir.resolve("haproxy.cfg");
            java.nio.file.Files.writeString(cfg, haproxy);
            Process p = new ProcessBuilder(haproxyBinary.toString(), "-c", "-f", cfg.toString())
                    .redirectErrorStream(true)
                    .start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as("haproxy -c: %s", output).isZero();
        }

        // Without --send-proxy, PROXY v2 goes exactly to the ports that trust PROXY senders.
        ok(
                "service",
                "create",
                "--name",
                "cli-lb-proxy",
                "-p",
                "published=8481,target=80,proxy-protocol=v1,trusted-proxies=198.18.1.0/24,trusted-proxies=198.18.2.7",
                "-d",
                "img:1");
        eventually(() -> assertThat(shoal("lb", "config", "--haproxy").out()).contains("frontend shoal_tcp_8481"));
        String perPort = ok("lb", "config", "--haproxy").out();
        assertThat(perPort)
                .contains("198.18.0.2:8481 send-proxy-v2\n")
                .contains("198.18.0.2:8480\n")
                .doesNotContain("198.18.0.2:8480 send-proxy");
        String perPortNginx = ok("lb", "config", "--nginx").out();
        assertThat(perPortNginx.substring(perPortNginx.indexOf("upstream shoal_tcp_8481")))
                .contains("proxy_protocol on;");
        assertThat(perPortNginx.substring(
                        perPortNginx.indexOf("upstream shoal_tcp_8480"),
                        perPortNginx.indexOf("upstream shoal_tcp_8481")))
                .doesNotContain("proxy_protocol");
        JsonNode port = ok("service", "inspect", "cli-lb-proxy")
                .json()
                .get(0)
                .path("spec")
                .path("endpoint")
                .path("ports")
                .get(0);
        assertThat(port.path("proxyProtocol").asText()).isEqualTo("v1");
        assertThat(port.path("trustedProxies").toString()).isEqualTo("[\"198.18.1.0/24\",\"198.18.2.7/32\"]");
        assertThat(ok("service", "ls").out()).contains("*:8481->80/tcp (proxy v1, trusts 198.18.1.0/24 198.18.2.7/32)");
        Run badKey =
                shoal("service", "create", "--name", "cli-lb-bad", "-p", "published=8482,target=80,proxy=v2", "img:1");
        assertThat(badKey.exit()).isEqualTo(2);
        assertThat(badKey.err()).contains("--publish: unknown key 'proxy'");
        Run badCidr = shoal(
                "service",
                "create",
                "--name",
                "cli-lb-bad",
                "-p",
                "published=8482,target=80,trusted-proxies=lb",
                "img:1");
        assertThat(badCidr.exit()).isEqualTo(2);
        assertThat(badCidr.err()).contains("trustedProxies[0]: 'lb/32' is not an IPv4 address");
        ok("service", "rm", "cli-lb-proxy");

        assertThat(shoal("lb", "config").exit()).as("a flavour is required").isEqualTo(2);
        assertThat(shoal("lb", "config", "--haproxy", "--nginx").exit()).isEqualTo(2);
        assertThat(shoal("lb", "config", "--haproxy", "--health-port", "0").exit())
                .isEqualTo(2);
    }
}
