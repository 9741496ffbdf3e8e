package io.shoal.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.table.ServiceTables;
import io.shoal.dns.netns.ContainerDns;
import io.shoal.dns.netns.ContainerDnsBinding;
import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.server.DnsServer;
import io.shoal.dns.server.DnsServerConfig;
import io.shoal.model.Json;
import io.shoal.model.Network;
import io.shoal.model.Service;
import io.shoal.model.Task;
import io.shoal.model.TaskStatus;
import io.shoal.netlink.ns.NetNs;
import io.shoal.testbed.Requirements;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shoal's own commands beyond Docker's: {@code swarm init|join|leave}, {@code service update
 * --force} and the {@code --update-*} flags, {@code mesh status} (nodes on loopback addresses with
 * health endpoints the test serves) and {@code dns query} (root: the real embedded DNS server bound
 * at 127.0.0.11 in a namespace the test makes under the task's name).
 */
class ShoalSwarmMeshDnsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;

    private static LiveManager manager;

    @BeforeAll
    static void start() throws Exception {
        manager = new LiveManager(dir, new String[][] {
            {"m1", "mgr", "127.0.0.1"}, {"n2", "host2", "127.0.0.2"}, {"n3", "host3", "127.0.0.3"}
        });
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

    static Run fails(int exit, String... args) {
        Run r = shoal(args);
        assertThat(r.exit())
                .as("shoal %s\nstdout: %s\nstderr: %s", String.join(" ", args), r.out(), r.err())
                .isEqualTo(exit);
        assertThat(r.err().lines().count())
                .as("one line on stderr: %s", r.err())
                .isEqualTo(1);
        assertThat(r.err()).startsWith("Error: ");
        return r;
    }

    /** Ids of the running tasks of a service. */
    private static Set<String> running(String service) throws Exception {
        Set<String> ids = new HashSet<>();
        for (JsonNode t : shoal("service", "ps", service, "--no-trunc", "--format", "json")
                .json()) {
            if (t.path("desiredState").asText().equals("Running")
                    && t.path("currentState").asText().startsWith("Running")) {
                ids.add(t.path("id").asText());
            }
        }
        return ids;
    }

    @Test
    void swarmInitJoinLeaveSayHowShoalDoesIt() throws Exception {
        assertThat(fails(1, "swarm", "init").err())
                .contains("This node is already part of a swarm")
                .contains("shoal-manager");
        Run rotated = ok("swarm", "join-token", "--rotate", "-q", "worker");
        String token = rotated.out().trim();
        Run joined = ok("swarm", "join", "--token", token, "--node-id", "n9", "--zookeeper", "198.18.0.1:2181");
        assertThat(joined.out())
                .contains("The token is valid: it joins a worker.")
                .contains("Nothing was started")
                .contains("shoald --node-id n9 --zookeeper 198.18.0.1:2181")
                .contains("--join-token " + token);
        assertThat(fails(1, "swarm", "join", "--token", "SHOALTKN-1-worker-" + "0".repeat(64))
                        .err())
                .contains("not valid for this cluster");
        assertThat(fails(2, "swarm", "join").err())
                .isEqualTo("Error: Missing required option: '--token=<token>' (see 'shoal swarm join --help')\n");
        assertThat(fails(1, "swarm", "leave").err())
                .contains("stopping its agent (shoald)")
                .contains("shoal node rm");
        // A node whose agent still runs is not removed: the manager's 409, on one line.
        assertThat(fails(1, "node", "rm", "host2").err())
                .isEqualTo("Error: node n2 is ready; only a node that is down can be removed (stop its agent"
                        + " first)\n");
        assertThat(fails(1, "swarm", "leave", "--force").err()).contains("shoal-manager");
        ByteArrayOutputStream nobodyErr = new ByteArrayOutputStream();
        int nobody = Shoal.run(
                new String[] {"--host", "unix://" + dir.resolve("nobody.sock"), "swarm", "init"},
                new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(nobodyErr, true, StandardCharsets.UTF_8));
        assertThat(nobody).isEqualTo(1);
        assertThat(nobodyErr.toString(StandardCharsets.UTF_8))
                .contains("no manager answers")
                .contains("shoal-manager");
    }

    @Test
    void updateForceReplacesEveryTaskAndUpdateFlagsAreStored() throws Exception {
        ok("service", "create", "--name", "rolled", "--replicas", "3", "--update-parallelism", "1", "img:1");
        Set<String> before = running("rolled");
        assertThat(before).hasSize(3);
        Run forced = ok("service", "update", "--force", "rolled");
        assertThat(forced.out()).contains("converged");
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(running("rolled")).hasSize(3).doesNotContainAnyElementsOf(before));
        JsonNode s = ok("service", "inspect", "rolled").json().get(0);
        assertThat(s.path("spec").path("task").path("forceUpdate").asLong()).isEqualTo(1);

        ok(
                "service",
                "update",
                "-d",
                "--update-order",
                "start-first",
                "--update-failure-action",
                "rollback",
                "--update-monitor",
                "2s",
                "--update-max-failure-ratio",
                "0.5",
                "rolled");
        JsonNode u =
                ok("service", "inspect", "rolled").json().get(0).path("spec").path("update");
        assertThat(u.path("order").asText()).isEqualTo("start-first");
        assertThat(u.path("failureAction").asText()).isEqualTo("rollback");
        assertThat(u.path("monitor").asDouble()).isEqualTo(2.0);
        assertThat(u.path("maxFailureRatio").asDouble()).isEqualTo(0.5);
        assertThat(fails(2, "service", "update", "--update-order", "sideways", "rolled")
                        .err())
                .contains("sideways");
        assertThat(fails(2, "service", "update", "--update-max-failure-ratio", "2", "rolled")
                        .err())
                .contains("--update-max-failure-ratio");
        ok("service", "rm", "rolled");
    }

    @Test
    void meshStatusShowsWhichNodesAnswerEachPublishedPort() throws Exception {
        ok("service", "create", "-d", "--name", "meshy", "-p", "8580:80", "img:1");
        // Health endpoints as the agents serve them: mgr serves 8580, host2 drains (503), host3 is down.
        HttpServer healthy = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        int port = healthy.getAddress().getPort();
        HttpServer draining = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), port), 0);
        List<String> asked = java.util.Collections.synchronizedList(new ArrayList<>());
        healthy.createContext("/", x -> {
            asked.add("mgr " + x.getRequestURI());
            byte[] b = "ok".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(x.getRequestURI().getPath().equals("/healthz/ports/8580/tcp") ? 200 : 404, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        draining.createContext("/", x -> {
            asked.add("host2 " + x.getRequestURI());
            byte[] b = "draining".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(503, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        healthy.start();
        draining.start();
        try {
            JsonNode rows = ok(
                            "mesh",
                            "status",
                            "--health-port",
                            Integer.toString(port),
                            "--timeout",
                            "1s",
                            "--format",
                            "json")
                    .json();
            Map<String, JsonNode> byNode = new HashMap<>();
            for (JsonNode r : rows) {
                if (r.path("port").asText().equals("8580/tcp")) {
                    byNode.put(r.path("node").asText(), r);
                }
            }
            assertThat(byNode).containsOnlyKeys("mgr", "host2", "host3");
            assertThat(byNode.get("mgr").path("health").asText()).isEqualTo("healthy");
            assertThat(byNode.get("mgr").path("services").toString()).isEqualTo("[\"meshy\"]");
            assertThat(byNode.get("mgr").path("address").asText()).isEqualTo("127.0.0.1");
            assertThat(byNode.get("mgr").path("ingressAddress").asText()).startsWith("100.64.");
            assertThat(byNode.get("host2").path("health").asText()).isEqualTo("unhealthy");
            assertThat(byNode.get("host2").path("httpStatus").asText()).isEqualTo("503");
            assertThat(byNode.get("host2").path("detail").asText()).isEqualTo("draining");
            assertThat(byNode.get("host3").path("health").asText()).isEqualTo("unreachable");
            assertThat(asked).contains("mgr /healthz/ports/8580/tcp", "host2 /healthz/ports/8580/tcp");
            Run table = ok("mesh", "status", "--health-port", Integer.toString(port));
            assertThat(table.out()).containsPattern("8580/tcp\\s+meshy\\s+mgr\\s+Ready\\s+Active\\s+127.0.0.1");
        } finally {
            healthy.stop(0);
            draining.stop(0);
        }
        assertThat(fails(2, "mesh", "status", "--health-port", "0").err()).contains("--health-port");
        ok("service", "rm", "meshy");
    }

    @Test
    void dnsQueryFromATaskNotOnThisHostSaysWhereItRuns() throws Exception {
        ok("service", "create", "-d", "--name", "faraway", "img:1");
        await().atMost(WAIT).until(() -> running("faraway").size() == 1);
        Run far = fails(1, "dns", "query", "faraway", "--from", "faraway.1", "--netns-prefix", "nosuchprefix-");
        assertThat(far.err())
                .containsPattern(
                        "task faraway\\.1 \\(\\w+\\.1\\.\\d+\\) runs on node (m1|n2|n3) \\((mgr|host2|host3)\\)")
                .contains("is not on this host: run 'shoal dns query' on ");
        assertThat(fails(1, "dns", "query", "faraway", "--from", "nothing.7").err())
                .isEqualTo("Error: task 'nothing.7' not found\n");
        assertThat(fails(2, "dns", "query", "faraway", "--from", "faraway.1", "--type", "MX")
                        .err())
                .contains("--type");
        assertThat(fails(2, "dns", "query", "a..b", "--from", "faraway.1").err())
                .contains("not a valid DNS name");
        ok("service", "rm", "faraway");
    }

    @Test
    @Tag("integration")
    void dnsQueryAsksTheTasksEmbeddedDnsServer() throws Exception {
        Requirements.requireRoot();
        ok("network", "create", "--subnet", "100.64.77.0/24", "dns-net");
        ok("service", "create", "-d", "--name", "named", "--replicas", "2", "--network", "dns-net", "img:1");
        await().atMost(WAIT).until(() -> running("named").size() == 2);
        var store = manager.store();
        await().atMost(WAIT).until(() -> store.list(Kind.SERVICES).stream()
                .anyMatch(s ->
                        s.name().equals("named") && !s.endpoint().virtualIps().isEmpty()));
        Network net = store.list(Kind.NETWORKS).stream()
                .filter(n -> n.spec().name().equals("dns-net"))
                .findFirst()
                .orElseThrow();
        Service svc = store.list(Kind.SERVICES).stream()
                .filter(s -> s.name().equals("named"))
                .findFirst()
                .orElseThrow();
        int vip = svc.endpoint().virtualIps().stream()
                .filter(v -> v.networkId().equals(net.id()))
                .findFirst()
                .orElseThrow()
                .address()
                .address();
        String vipText = io.shoal.model.Cidr.format(vip);
        List<Task> tasks = store.list(Kind.TASKS);
        Map<String, TaskStatus> statuses = new HashMap<>();
        tasks.forEach(t -> store.get(Kind.STATUS, t.id()).ifPresent(st -> statuses.put(t.id(), st)));
        Task slot1 = tasks.stream()
                .filter(t -> t.serviceId().equals(svc.id())
                        && t.slot() == 1
                        && t.desiredState().name().equals("RUNNING"))
                .findFirst()
                .orElseThrow();
        String prefix = "sclit" + ProcessHandle.current().pid() + "-";
        String nsName = prefix + slot1.id();
        DnsServer dns = DnsServer.start(DnsServerConfig.defaults());
        ContainerDnsBinding binding = null;
        NetNs ns = null;
        try {
            dns.update(ServiceTables.build(1, store.list(Kind.NETWORKS), store.list(Kind.SERVICES), tasks, statuses));
            ns = NetNs.create(nsName);
            binding = ContainerDns.bind(
                    dns, NetNs.RUN_NETNS.resolve(nsName), DnsScope.of(net.id()), ContainerDns.Port53.DIRECT);
            JsonNode a = ok("dns", "query", "named", "--from", "named.1", "--netns-prefix", prefix, "--format", "json")
                    .json();
            assertThat(a.path("rcode").asText()).isEqualTo("NOERROR");
            assertThat(a.path("task").asText()).isEqualTo(slot1.id());
            assertThat(a.path("answers").get(0).path("data").asText()).isEqualTo(vipText);
            Run tasksA = ok("dns", "query", "tasks.named", "--from", slot1.id(), "--netns-prefix", prefix, "-q");
            assertThat(tasksA.out().lines().toList()).hasSize(2).allMatch(l -> l.startsWith("100.64.77."));
            Run table = ok("dns", "query", "named", "--from", "named.1", "--netns-prefix", prefix);
            assertThat(table.out()).contains("NOERROR").containsPattern("named\\.\\s+\\d+\\s+IN\\s+A\\s+" + vipText);
        } finally {
            if (binding != null) {
                binding.close();
            }
            dns.close();
            if (ns != null) {
                ns.close();
            }
            NetNs.deleteIfPresent(nsName);
        }
        ok("service", "rm", "named");
        await().atMost(WAIT).until(() -> shoal("network", "rm", "dns-net").exit() == 0);
    }
}
