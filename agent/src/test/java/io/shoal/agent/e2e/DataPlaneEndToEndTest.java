package io.shoal.agent.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.model.Cidr;
import io.shoal.model.NetworkSpec;
import io.shoal.model.NodeAvailability;
import io.shoal.model.ServiceSpec;
import io.shoal.model.UpdateConfig;
import io.shoal.testbed.ExecResult;
import io.shoal.testbed.Host;
import io.shoal.testbed.HostProcess;
import io.shoal.testbed.Requirements;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
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
 * Issue 8's promise end to end, on three namespace hosts with a real Docker engine: publish a port
 * and hit any node, names inside containers, scaling, a rolling update and a drain with zero failed
 * requests, isolated overlays, ZooKeeper down for a minute, a lost worker. Every service runs
 * busybox httpd answering with its container's host name, so each answer says which replica gave it.
 *
 * <p>The tests share one cluster (start-up costs half a minute); each uses services and ports of
 * its own. The lost-worker test runs last since it takes a host away.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DataPlaneEndToEndTest {
    /** Everything the Done-when list says must happen "within 2 s" of a task state change. */
    private static final Duration FOLLOW = Duration.ofSeconds(2);
    /** shoald's default health endpoint port. */
    private static final int HEALTH = 9180;

    private static ShoalCluster cluster;
    private static HostProcess upstream;

    @RegisterExtension
    static final LogsOnFailure logs = new LogsOnFailure(() -> cluster);

    @BeforeAll
    static void up() throws IOException {
        Requirements.requireRoot();
        Requirements.requireDocker();
        Requirements.require(onPath("dig"), "dig (bind9-dnsutils) is installed");
        Requirements.require(onPath("unbound"), "unbound is installed (the testbed's upstream resolver)");
        cluster = ShoalCluster.builder().hosts(3).grace(Duration.ofSeconds(4)).start();
        upstream = startUpstream();
    }

    @AfterAll
    static void down() {
        if (upstream != null) {
            upstream.kill();
        }
        ShoalCluster.closeAndCheck(cluster);
    }

    @Test
    @Order(1)
    void everyNodeAnswersAPublishedPortIncludingOneThatRunsNoReplica() {
        cluster.api().createService(Services.published(Services.httpd("pub", 2), 8081, 80));
        List<TaskView> tasks = cluster.waitForRunning("pub", 2);
        Set<String> hostnames = containerHostnames(tasks);
        Set<String> withReplica = tasks.stream().map(TaskView::nodeId).collect(Collectors.toSet());
        int without = hostWithout(withReplica);
        assertThat(without).as("2 replicas on 3 nodes leave one node without").isPositive();

        for (int i = 1; i <= 3; i++) {
            int host = i;
            await("node " + host + " answers 8081")
                    .atMost(FOLLOW.multipliedBy(5))
                    .untilAsserted(() -> {
                        HttpResult r = cluster.curl(host, 8081);
                        assertThat(r.ok()).as("%s", r).isTrue();
                        assertThat(hostnames).contains(r.body().trim());
                    });
        }
        // The health endpoint external load balancers check says the same on every node.
        for (int i = 1; i <= 3; i++) {
            assertThat(cluster.curl(i, HEALTH, "/healthz/ports/8081").status()).isEqualTo(200);
            assertThat(cluster.curl(i, HEALTH, "/healthz/ports/8999").status()).isEqualTo(503);
        }
        // Round robin on one node: two requests in a row reach both replicas.
        Set<String> seen = new HashSet<>();
        for (int k = 0; k < 4; k++) {
            seen.add(cluster.curl(without, 8081).body().trim());
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(hostnames);
    }

    @Test
    @Order(2)
    void namesResolveInsideATaskAndTheVipBalancesOverTheReplicas() {
        cluster.api().createNetwork(NetworkSpec.overlay("appnet"));
        cluster.api().createService(Services.on(Services.httpd("web", 3), "appnet"));
        cluster.api().createService(Services.on(Services.idle("client", 1), "appnet"));
        List<TaskView> web = cluster.waitForRunning("web", 3);
        String client = cluster.waitForRunning("client", 1).get(0).id();
        String appnet = cluster.api().network("appnet").id();
        String vip = address(cluster.api().service("web").endpoint().vipOn(appnet));
        Set<String> taskIps =
                web.stream().map(t -> address(t.task().addresses().get(appnet))).collect(Collectors.toSet());

        assertThat(dig(client, "web")).containsExactly(vip);
        assertThat(dig(client, "web.appnet")).containsExactly(vip);
        assertThat(new HashSet<>(dig(client, "tasks.web"))).isEqualTo(taskIps);
        assertThat(dig(client, "outside.test"))
                .as("forwarded to the testbed's upstream")
                .containsExactly("198.18.9.9");
        ExecResult unknown = cluster.inTask(client, "dig", "@127.0.0.11", "+time=3", "+tries=1", "nosuch.web.invalid");
        assertThat(unknown.stdout()).contains("status: NXDOMAIN");

        Set<String> answered = new HashSet<>();
        for (int k = 0; k < 6; k++) {
            ExecResult r = cluster.inTask(client, "curl", "-sS", "--max-time", "3", "http://" + vip + "/");
            assertThat(r.exitCode()).as("curl VIP: %s", r).isZero();
            answered.add(r.stdout().trim());
        }
        assertThat(answered).as("the VIP spreads over the replicas").hasSizeGreaterThanOrEqualTo(2);
        assertThat(containerHostnames(web)).containsAll(answered);
    }

    @Test
    @Order(3)
    void dnsVipsAndTheMeshFollowAScaleFromThreeToSixToOne() {
        cluster.api().createService(Services.published(Services.on(Services.httpd("sc", 3), "appnet"), 8083, 80));
        String client = cluster.waitForRunning("client", 1).get(0).id();
        String appnet = cluster.api().network("appnet").id();
        cluster.waitForRunning("sc", 3);

        for (int replicas : new int[] {6, 1}) {
            cluster.api().scale("sc", replicas);
            List<TaskView> running = cluster.waitForRunning("sc", replicas, t -> true);
            Set<String> ips = running.stream()
                    .map(t -> address(t.task().addresses().get(appnet)))
                    .collect(Collectors.toSet());
            Set<String> names = containerHostnames(running);
            await("tasks.sc, the VIP's backends and the mesh follow " + replicas + " replicas")
                    .atMost(FOLLOW)
                    .pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> {
                        assertThat(new HashSet<>(dig(client, "tasks.sc"))).isEqualTo(ips);
                        String rules = cluster.inTask(client, "nft", "list", "table", "inet", "shoal")
                                .stdout();
                        for (String ip : ips) {
                            assertThat(rules).contains(ip);
                        }
                        Set<String> mesh = new HashSet<>();
                        for (int k = 0; k < replicas; k++) {
                            mesh.add(cluster.curl(1, 8083).body().trim());
                        }
                        assertThat(mesh).isEqualTo(names);
                    });
        }
    }

    @Test
    @Order(4)
    void aRollingUpdateDropsNoRequest() {
        ServiceSpec v1 = Services.published(
                        Services.of("ru", 3, "echo v1-$(hostname) > /index.html && exec httpd -f -p 80 -h /"), 8084, 80)
                .withUpdate(new UpdateConfig(1, Duration.ofSeconds(1), null, null, 0, null));
        cluster.api().createService(v1);
        cluster.waitForRunning("ru", 3);
        awaitAnswering(8084);

        RequestLoop.Result result;
        try (RequestLoop loop = cluster.requestLoop(8084, Duration.ofMillis(20), Duration.ofMinutes(2), 1, 2, 3)) {
            cluster.api()
                    .updateService(
                            "ru",
                            s -> s.withTask(s.task()
                                    .withContainer(Services.of(
                                                    "ru",
                                                    3,
                                                    "echo v2-$(hostname) > /index.html && exec httpd -f -p 80 -h /")
                                            .task()
                                            .container())));
            // The service's version moves on while the update records its progress: match on the spec.
            cluster.waitForRunning(
                    "ru", 3, t -> t.task().spec().container().args().toString().contains("v2-"));
            await("only v2 answers").atMost(FOLLOW.multipliedBy(5)).untilAsserted(() -> assertThat(
                            cluster.curl(1, 8084).body())
                    .startsWith("v2-"));
            result = loop.stop();
        }
        assertThat(result.sent()).as("%s", result).isGreaterThan(20);
        assertThat(result.failed()).as("%s", result).isZero();
        assertThat(result.bodies().keySet()).anyMatch(b -> b.startsWith("v1-")).anyMatch(b -> b.startsWith("v2-"));
    }

    @Test
    @Order(5)
    void drainingANodeMovesItsTasksAndTheMeshDropsNoRequest() {
        cluster.api().createService(Services.published(Services.httpd("dr", 3), 8085, 80));
        cluster.waitForRunning("dr", 3);
        awaitAnswering(8085);
        String drained = cluster.nodeId(2);
        RequestLoop.Result result;
        try (RequestLoop loop = cluster.requestLoop(8085, Duration.ofMillis(20), Duration.ofMinutes(2), 1, 2, 3)) {
            cluster.api().setAvailability(drained, NodeAvailability.DRAIN);
            await("the drained node's health endpoint says 503")
                    .atMost(FOLLOW.multipliedBy(5))
                    .until(() -> cluster.curl(2, HEALTH, "/healthz").status() == 503
                            && cluster.curl(2, HEALTH, "/healthz/ports/8085").status() == 503);
            cluster.waitForRunning("dr", 3, t -> !t.nodeId().equals(drained));
            await("no task of dr left on the drained node")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> cluster.containers(2).stream()
                            .noneMatch(c -> c.getLabels().get("io.shoal.service") != null
                                    && c.getLabels()
                                            .get("io.shoal.service")
                                            .equals(cluster.api().service("dr").id())));
            result = loop.stop();
        } finally {
            cluster.api().setAvailability(drained, NodeAvailability.ACTIVE);
        }
        assertThat(result.sent()).as("%s", result).isGreaterThan(20);
        assertThat(result.failed()).as("%s", result).isZero();
        assertThat(cluster.curl(2, 8085).ok())
                .as("the drained node still answers through the mesh")
                .isTrue();
        await("back to 200 once active")
                .atMost(FOLLOW.multipliedBy(5))
                .until(() -> cluster.curl(2, HEALTH, "/healthz").status() == 200);
    }

    @Test
    @Order(6)
    void twoOverlaysStayIsolatedAndATaskOnBothReachesBoth() {
        cluster.api().createNetwork(NetworkSpec.overlay("neta"));
        cluster.api().createNetwork(NetworkSpec.overlay("netb"));
        cluster.api().createService(Services.on(Services.httpd("isa", 1), "neta"));
        cluster.api().createService(Services.on(Services.httpd("isb", 1), "netb"));
        cluster.api().createService(Services.on(Services.idle("onlya", 1), "neta"));
        cluster.api().createService(Services.on(Services.idle("both", 1), "neta", "netb"));
        String netb = cluster.api().network("netb").id();
        String neta = cluster.api().network("neta").id();
        String bTask = address(
                cluster.waitForRunning("isb", 1).get(0).task().addresses().get(netb));
        cluster.waitForRunning("isa", 1);
        String onlyA = cluster.waitForRunning("onlya", 1).get(0).id();
        String both = cluster.waitForRunning("both", 1).get(0).id();

        for (String name : List.of("isa", "isb")) {
            List<String> vip = dig(both, name);
            assertThat(vip).as("%s from a task on both networks", name).hasSize(1);
            ExecResult r = cluster.inTask(both, "curl", "-sS", "--max-time", "3", "http://" + vip.get(0) + "/");
            assertThat(r.exitCode()).as("%s", r).isZero();
        }
        assertThat(dig(onlyA, "isb"))
                .as("a name of another network does not resolve")
                .isEmpty();
        ExecResult crossing = cluster.inTask(
                onlyA, "curl", "-sS", "--connect-timeout", "2", "--max-time", "3", "http://" + bTask + "/");
        assertThat(crossing.exitCode())
                .as("netb's task from neta: %s", crossing)
                .isNotZero();
        assertThat(cluster.inTask(both, "ip", "-4", "-o", "addr").stdout())
                .contains(address(
                        cluster.api().tasks("both").get(0).task().addresses().get(neta)))
                .contains(address(
                        cluster.api().tasks("both").get(0).task().addresses().get(netb)));
    }

    @Test
    @Order(7)
    void withZooKeeperDownForAMinuteDnsVipsAndTheMeshKeepAnsweringAndAScaleUpConvergesAfter() {
        cluster.api().createService(Services.published(Services.on(Services.httpd("zk", 2), "appnet"), 8087, 80));
        List<TaskView> before = cluster.waitForRunning("zk", 2);
        String client = cluster.waitForRunning("client", 1).get(0).id();
        String appnet = cluster.api().network("appnet").id();
        String vip = address(cluster.api().service("zk").endpoint().vipOn(appnet));
        Set<String> ips = before.stream()
                .map(t -> address(t.task().addresses().get(appnet)))
                .collect(Collectors.toSet());
        awaitAnswering(8087);

        cluster.stopZooKeeper();
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        int rounds = 0;
        while (System.nanoTime() < until) {
            for (int i = 1; i <= 3; i++) {
                HttpResult r = cluster.curl(i, 8087);
                assertThat(r.ok())
                        .as("node %d's mesh with ZooKeeper down: %s", i, r)
                        .isTrue();
            }
            assertThat(new HashSet<>(dig(client, "tasks.zk"))).isEqualTo(ips);
            ExecResult viaVip = cluster.inTask(client, "curl", "-sS", "--max-time", "3", "http://" + vip + "/");
            assertThat(viaVip.exitCode())
                    .as("VIP with ZooKeeper down: %s", viaVip)
                    .isZero();
            rounds++;
            await().pollDelay(Duration.ofSeconds(5)).until(() -> true);
        }
        assertThat(rounds).isGreaterThanOrEqualTo(5);
        cluster.startZooKeeper();

        await("the API answers again")
                .atMost(Duration.ofSeconds(60))
                .ignoreExceptions()
                .until(() -> cluster.api().service("zk") != null);
        cluster.api().scale("zk", 3);
        List<TaskView> after = cluster.waitForRunning("zk", 3);
        Set<String> grown = after.stream()
                .map(t -> address(t.task().addresses().get(appnet)))
                .collect(Collectors.toSet());
        await("tasks.zk follows the scale-up").atMost(FOLLOW.multipliedBy(5)).untilAsserted(() -> assertThat(
                        new HashSet<>(dig(client, "tasks.zk")))
                .isEqualTo(grown));
    }

    @Test
    @Order(8)
    void haproxyInFrontTakesADrainedNodeOutBeforeItsTasksStopAndDropsNoRequest() throws IOException {
        Requirements.require(onPath("haproxy"), "haproxy is installed (the external load balancer)");
        cluster.api().createService(Services.published(Services.httpd("lbweb", 3), 8090, 80));
        cluster.waitForRunning("lbweb", 3);
        awaitAnswering(8090);
        // The configuration comes from `shoal lb config`, as an operator would make it.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = io.shoal.cli.Shoal.run(
                new String[] {
                    "--host", "unix://" + cluster.apiSocket(), "lb", "config", "--haproxy", "--check-interval", "300"
                },
                new PrintStream(out, true, StandardCharsets.UTF_8),
                System.err);
        assertThat(exit).isZero();
        String config = out.toString(StandardCharsets.UTF_8);
        assertThat(config).contains("frontend shoal_tcp_8090");
        Path file = cluster.workDir().resolve("haproxy.cfg");
        Files.writeString(file, config);
        Host lb = cluster.testbed().addClient("lb");
        HostProcess haproxy = lb.start("haproxy", "-db", "-f", file.toString());
        try {
            String front = lb.address().getHostAddress();
            await("HAProxy answers on 8090")
                    .atMost(Duration.ofSeconds(15))
                    .failFast("haproxy exited", () -> !haproxy.isAlive())
                    .until(() -> viaHaproxy(front).ok());

            String drained = cluster.nodeId(2);
            RequestLoop.Result result;
            try (RequestLoop loop = new RequestLoop(
                            h -> viaHaproxy(front), new int[] {0}, Duration.ofMillis(20), Duration.ofMinutes(2))
                    .start()) {
                cluster.api().setAvailability(drained, NodeAvailability.DRAIN);
                // HAProxy's checks (every 300 ms, 2 failures) see 503 and take h2 out while its task
                // still runs; the orchestrator moves the task meanwhile.
                cluster.waitForRunning("lbweb", 3, t -> !t.nodeId().equals(drained));
                await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
                result = loop.stop();
            } finally {
                cluster.api().setAvailability(drained, NodeAvailability.ACTIVE);
            }
            assertThat(result.sent()).as("%s", result).isGreaterThan(20);
            assertThat(result.failed()).as("%s", result).isZero();
        } catch (RuntimeException | AssertionError e) {
            throw new AssertionError(
                    "HAProxy output: " + haproxy.output() + "\nlast request: "
                            + viaHaproxy(lb.address().getHostAddress()),
                    e);
        } finally {
            haproxy.kill();
        }
    }

    @Test
    @Order(9)
    void aLostWorkersTasksAreRescheduledAndNoLongerRouted() {
        cluster.api().createService(Services.published(Services.on(Services.httpd("lost", 3), "appnet"), 8088, 80));
        List<TaskView> before = cluster.waitForRunning("lost", 3);
        String client = cluster.waitForRunning("client", 1).get(0).id();
        String appnet = cluster.api().network("appnet").id();
        // Kill a worker that runs neither the manager (host 1) nor the client we resolve from.
        int clientHost =
                cluster.hostIndexOf(cluster.waitForRunning("client", 1).get(0).nodeId());
        int victim = clientHost == 3 ? 2 : 3;
        String dead = cluster.nodeId(victim);
        Set<String> deadIps = before.stream()
                .filter(t -> t.nodeId().equals(dead))
                .map(t -> address(t.task().addresses().get(appnet)))
                .collect(Collectors.toSet());
        assertThat(deadIps).hasSize(1);

        cluster.killHost(victim);
        // Grace (4 s) + session expiry (6 s) + 2 s: the dead task leaves DNS, VIPs and the mesh.
        await("the lost node's task leaves tasks.lost and the VIP's backends")
                .atMost(Duration.ofSeconds(4 + 6 + 2))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    assertThat(dig(client, "tasks.lost")).doesNotContainAnyElementsOf(deadIps);
                    String rules = cluster.inTask(client, "nft", "list", "table", "inet", "shoal")
                            .stdout();
                    for (String ip : deadIps) {
                        assertThat(rules)
                                .doesNotContainPattern("(?<![0-9.])" + java.util.regex.Pattern.quote(ip) + "(?![0-9])");
                    }
                });
        List<TaskView> after =
                cluster.waitForRunning("lost", 3, t -> !t.nodeId().equals(dead));
        assertThat(after).noneMatch(t -> t.nodeId().equals(dead));
        for (int i : new int[] {1, 5 - victim}) {
            for (int k = 0; k < 3; k++) {
                HttpResult r = cluster.curl(i, 8088);
                assertThat(r.ok()).as("node %d after the loss: %s", i, r).isTrue();
            }
        }
    }

    // ---- helpers ----

    /** {@code GET /} on HAProxy's port 8090, from the client namespace. */
    private static HttpResult viaHaproxy(String front) {
        return cluster.clientGet("http://" + front + ":8090/", "");
    }

    private static boolean onPath(String program) {
        return Arrays.stream(System.getenv()
                        .getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
                        .split(":"))
                .anyMatch(d -> Files.isExecutable(Path.of(d, program)));
    }

    /** {@code dig +short} of an A record at the embedded resolver, inside task {@code taskId}. */
    private static List<String> dig(String taskId, String name) {
        ExecResult r = cluster.inTask(taskId, "dig", "+short", "+time=2", "+tries=1", "@127.0.0.11", name, "A");
        assertThat(r.exitCode()).as("dig %s: %s", name, r).isZero();
        return Arrays.stream(r.stdout().split("\\s+"))
                .filter(s -> !s.isBlank())
                .sorted()
                .toList();
    }

    /** Each task's container host name (what its httpd answers with). */
    private static Set<String> containerHostnames(List<TaskView> tasks) {
        Set<String> out = new HashSet<>();
        for (TaskView t : tasks) {
            // inTask enters the network namespace only; the host name lives in the UTS one.
            long pid = cluster.taskPid(t.id());
            ExecResult r = Commands.run(
                    Duration.ofSeconds(10), List.of("nsenter", "--uts=/proc/" + pid + "/ns/uts", "--", "hostname"));
            out.add(r.requireOk().stdout().trim());
        }
        return out;
    }

    private static int hostWithout(Set<String> nodes) {
        for (int i = 1; i <= cluster.size(); i++) {
            if (!nodes.contains(cluster.nodeId(i))) {
                return i;
            }
        }
        return -1;
    }

    private static void awaitAnswering(int port) {
        for (int i = 1; i <= cluster.size(); i++) {
            int host = i;
            await("node " + host + " answers " + port)
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> cluster.curl(host, port).ok());
        }
    }

    private static String address(Cidr cidr) {
        assertThat(cidr).isNotNull();
        return Cidr.format(cidr.address());
    }

    /**
     * unbound in the client namespace, the agents' {@code --dns-upstream}: it owns {@code outside.test}
     * (198.18.9.9) and refuses anything else, so no query ever leaves the testbed.
     */
    private static HostProcess startUpstream() throws IOException {
        Path dir = cluster.workDir().resolve("unbound");
        Files.createDirectories(dir);
        String listen = cluster.client().address().getHostAddress();
        Path conf = dir.resolve("unbound.conf");
        Files.writeString(
                conf,
                String.join(
                        "\n",
                        "server:",
                        "  interface: " + listen,
                        "  port: 53",
                        "  do-daemonize: no",
                        "  use-syslog: no",
                        "  logfile: \"\"",
                        "  username: \"\"",
                        "  chroot: \"\"",
                        "  directory: \"" + dir + "\"",
                        "  pidfile: \"\"",
                        "  access-control: 198.18.0.0/16 allow",
                        "  do-not-query-localhost: yes",
                        "  local-zone: \".\" refuse",
                        "  local-zone: \"outside.test.\" static",
                        "  local-data: \"outside.test. 60 IN A 198.18.9.9\"",
                        "remote-control:",
                        "  control-enable: no",
                        ""));
        HostProcess p = cluster.client().start("unbound", "-d", "-c", conf.toString());
        await("unbound answers in the client namespace")
                .atMost(Duration.ofSeconds(15))
                .until(() -> {
                    ExecResult r =
                            cluster.client().exec("dig", "+short", "+time=1", "+tries=1", "@" + listen, "outside.test");
                    return r.stdout().contains("198.18.9.9");
                });
        return p;
    }
}
