package io.shoal.controlplane.api.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.controlplane.SimAgents;
import io.shoal.controlplane.ZkSupport;
import io.shoal.controlplane.api.Api;
import io.shoal.controlplane.api.ApiServer;
import io.shoal.controlplane.join.JoinTokens;
import io.shoal.controlplane.manager.Manager;
import io.shoal.controlplane.membership.MemberRecord;
import io.shoal.controlplane.store.Layout;
import io.shoal.model.ClusterSpec;
import io.shoal.model.Json;
import io.shoal.model.Member;
import io.shoal.model.Resources;
import io.shoal.testbed.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stock {@code docker} client drives a real manager (curator-test ZooKeeper, the API on a
 * temporary unix socket) through the Docker Engine API subset. Three nodes are member records whose
 * tasks simulated agents report running; no Docker engine is involved: the client only talks to
 * Shoal's socket. Each test uses its own names.
 */
@Tag("integration")
class DockerCliTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;

    private static TestingServer server;
    private static CuratorFramework client;
    private static CuratorFramework agentClient;
    private static Manager manager;
    private static final List<MemberRecord> members = new ArrayList<>();
    private static SimAgents agents;
    private static ApiServer api;
    private static DockerCli docker;

    @BeforeAll
    static void start() throws Exception {
        Requirements.require(DockerCli.available(), "the docker client binary on the PATH");
        server = ZkSupport.server();
        client = ZkSupport.client(server.getConnectString());
        manager = new Manager(
                client,
                Layout.DEFAULT,
                "m1",
                ClusterSpec.withPools("100.64.0.0/10"),
                Duration.ofSeconds(5),
                Clock.systemUTC());
        manager.start();
        JoinTokens.init(client, Layout.DEFAULT);
        agentClient = ZkSupport.client(server.getConnectString());
        String[][] hosts = {{"m1", "mgr", "198.18.0.1"}, {"n2", "host2", "198.18.0.2"}, {"n3", "host3", "198.18.0.3"}};
        for (String[] h : hosts) {
            MemberRecord m = new MemberRecord(
                    agentClient,
                    Layout.DEFAULT,
                    new Member(h[0], h[1], List.of(h[2]), Resources.of(2, 2048), "test", Instant.now()));
            m.start(Duration.ofSeconds(10));
            members.add(m);
        }
        agents = new SimAgents(manager.store(), "none");
        Path socket = dir.resolve("shoal.sock");
        api = new ApiServer(
                new Api(
                        manager.store(),
                        manager.metrics(),
                        manager::isLeader,
                        () -> JoinTokens.load(client, Layout.DEFAULT),
                        Clock.systemUTC(),
                        "m1"),
                new ApiServer.Config(socket, null));
        api.start();
        Path config = Files.createDirectories(dir.resolve("docker-config"));
        docker = new DockerCli(socket, config);
        await().atMost(WAIT).until(manager::isLeader);
        await().atMost(WAIT).until(() -> docker.run("node", "ls", "-q").lines().size() == 3);
    }

    @AfterAll
    static void stop() throws Exception {
        if (api != null) {
            api.close();
        }
        if (agents != null) {
            agents.close();
        }
        for (MemberRecord m : members) {
            m.close();
        }
        if (manager != null) {
            manager.close();
        }
        if (agentClient != null) {
            agentClient.close();
        }
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static DockerCli.Result ok(String... args) throws Exception {
        DockerCli.Result r = docker.run(args);
        assertThat(r.exit()).as("docker %s\n%s", String.join(" ", args), r).isZero();
        return r;
    }

    private static DockerCli.Result fails(String... args) throws Exception {
        DockerCli.Result r = docker.run(args);
        assertThat(r.exit()).as("docker %s\n%s", String.join(" ", args), r).isNotZero();
        return r;
    }

    /** Listings come from the manager's view of ZooKeeper, which may trail a write by a moment. */
    private static void eventually(org.awaitility.core.ThrowingRunnable assertion) {
        await().atMost(WAIT).untilAsserted(assertion);
    }

    private static JsonNode json(String text) throws Exception {
        return Json.mapper().readTree(text);
    }

    @Test
    void versionAndInfoDescribeTheSwarm() throws Exception {
        assertThat(ok("version").out()).contains("API version:      1.41").contains("shoal-0.1.0");
        JsonNode swarm = json(ok("info", "--format", "{{json .Swarm}}").out());
        assertThat(swarm.path("LocalNodeState").asText()).isEqualTo("active");
        assertThat(swarm.path("ControlAvailable").asBoolean()).isTrue();
        assertThat(swarm.path("NodeID").asText()).isEqualTo("m1");
        assertThat(swarm.path("Nodes").asInt()).isEqualTo(3);
        assertThat(swarm.path("Cluster").path("ID").asText()).hasSize(25);
        assertThat(swarm.path("Cluster").path("DefaultAddrPool").get(0).asText())
                .isEqualTo("100.64.0.0/10");
    }

    @Test
    void serviceLifecycleThroughTheDockerClient() throws Exception {
        ok("network", "create", "--driver", "overlay", "--subnet", "100.64.30.0/24", "life-net");
        // Listings come from the manager's view of ZooKeeper, which may trail a write by a moment.
        eventually(() -> assertThat(ok("network", "ls", "--format", "{{.Name}} {{.Driver}} {{.Scope}}")
                        .lines())
                .contains("life-net overlay swarm"));
        String netId = ok("network", "inspect", "life-net", "--format", "{{.ID}}")
                .out()
                .trim();

        // Without -d the client polls tasks and draws progress until the service converged.
        DockerCli.Result created = ok(
                "service",
                "create",
                "--name",
                "life",
                "--replicas",
                "3",
                "-p",
                "8080:80",
                "--network",
                "life-net",
                "--env",
                "GREETING=hi",
                "--update-parallelism",
                "2",
                "--update-delay",
                "1s",
                "--update-monitor",
                "1s",
                "--health-cmd",
                "true",
                "--no-resolve-image",
                "shoal/busybox:test",
                "httpd",
                "-f",
                "-p",
                "80");
        assertThat(created.out()).contains("overall progress: 3 out of 3 tasks").contains("verify: Service");

        assertThat(ok("service", "ls", "--format", "{{.Name}} {{.Mode}} {{.Replicas}} {{.Ports}}")
                        .lines())
                .contains("life replicated 3/3 *:8080->80/tcp");
        List<String> ps = ok("service", "ps", "life", "--format", "{{.Name}} {{.Node}} {{.CurrentState}}")
                .lines();
        assertThat(ps).hasSize(3);
        assertThat(ps).allMatch(l -> l.matches("life\\.[123] (mgr|host2|host3) Running .*"));

        JsonNode spec = json(
                ok("service", "inspect", "life", "--format", "{{json .Spec}}").out());
        JsonNode container = spec.path("TaskTemplate").path("ContainerSpec");
        assertThat(container.path("Image").asText()).isEqualTo("shoal/busybox:test");
        assertThat(container.path("Env").get(0).asText()).isEqualTo("GREETING=hi");
        assertThat(container.path("Args").toString()).isEqualTo("[\"httpd\",\"-f\",\"-p\",\"80\"]");
        assertThat(container.path("Healthcheck").path("Test").toString()).isEqualTo("[\"CMD-SHELL\",\"true\"]");
        assertThat(spec.path("TaskTemplate")
                        .path("Networks")
                        .get(0)
                        .path("Target")
                        .asText())
                .isEqualTo(netId);
        assertThat(spec.path("UpdateConfig").path("Parallelism").asInt()).isEqualTo(2);
        assertThat(spec.path("UpdateConfig").path("Delay").asLong()).isEqualTo(1_000_000_000L);
        JsonNode port = spec.path("EndpointSpec").path("Ports").get(0);
        assertThat(port.path("PublishedPort").asInt()).isEqualTo(8080);
        assertThat(port.path("TargetPort").asInt()).isEqualTo(80);

        ok("service", "scale", "-d", "life=5");
        await().atMost(WAIT)
                .until(() -> docker.run("service", "ls", "--filter", "name=life", "--format", "{{.Replicas}}")
                        .out()
                        .trim()
                        .equals("5/5"));

        // Without -d the client follows the rolling update (parallelism 2, delay 1 s) to the end.
        DockerCli.Result updated = ok("service", "update", "--no-resolve-image", "--image", "shoal/busybox:v2", "life");
        assertThat(updated.out()).contains("overall progress: 5 out of 5 tasks").contains("verify: Service");
        assertThat(ok("service", "inspect", "life", "--format", "{{.Spec.TaskTemplate.ContainerSpec.Image}}")
                        .out()
                        .trim())
                .isEqualTo("shoal/busybox:v2");
        await().atMost(WAIT).until(() -> {
            List<String> images = docker.run(
                            "service",
                            "ps",
                            "life",
                            "--filter",
                            "desired-state=running",
                            "--format",
                            "{{.Image}} {{.CurrentState}}")
                    .lines();
            return images.size() == 5 && images.stream().allMatch(l -> l.startsWith("shoal/busybox:v2 Running"));
        });

        // Rollback swaps back to the previous spec; the tasks follow.
        ok("service", "rollback", "-d", "life");
        assertThat(ok(
                                "service",
                                "inspect",
                                "life",
                                "--format",
                                "{{.Spec.TaskTemplate.ContainerSpec.Image}} {{.PreviousSpec.TaskTemplate.ContainerSpec.Image}}")
                        .out()
                        .trim())
                .isEqualTo("shoal/busybox:test shoal/busybox:v2");
        await().atMost(WAIT).until(() -> {
            List<String> images = docker.run(
                            "service",
                            "ps",
                            "life",
                            "--filter",
                            "desired-state=running",
                            "--format",
                            "{{.Image}} {{.CurrentState}}")
                    .lines();
            return images.size() == 5 && images.stream().allMatch(l -> l.startsWith("shoal/busybox:test Running"));
        });

        ok("service", "rm", "life");
        eventually(() ->
                assertThat(ok("service", "ls", "--format", "{{.Name}}").lines()).doesNotContain("life"));
        // The network is free again once the service is gone.
        ok("network", "rm", "life-net");
        eventually(() ->
                assertThat(ok("network", "ls", "--format", "{{.Name}}").lines()).doesNotContain("life-net"));
    }

    /** The 28.x client on the PATH and Debian's docker.io 20.10 client, when installed. */
    @Test
    void everyInstalledClientVersionDrivesTheBasics() throws Exception {
        List<String> binaries = new ArrayList<>();
        for (String b : List.of("/usr/local/bin/docker", "/usr/bin/docker")) {
            if (Files.isExecutable(Path.of(b))) {
                binaries.add(b);
            }
        }
        Requirements.require(!binaries.isEmpty(), "a docker client in /usr/local/bin or /usr/bin");
        int n = 0;
        for (String b : binaries) {
            DockerCli client = new DockerCli(b, dir.resolve("shoal.sock"), dir.resolve("docker-config"));
            String name = "basic" + n++;
            DockerCli.Result version = client.run("version", "--format", "{{.Server.APIVersion}}");
            assertThat(version.exit()).as("%s: %s", b, version).isZero();
            assertThat(version.out().trim()).isEqualTo("1.41");
            DockerCli.Result created = client.run(
                    "service", "create", "-d", "--no-resolve-image", "--name", name, "--replicas", "2", "img:1");
            assertThat(created.exit()).as("%s: %s", b, created).isZero();
            await().atMost(WAIT)
                    .until(() -> client.run("service", "ls", "--filter", "name=" + name, "--format", "{{.Replicas}}")
                            .out()
                            .trim()
                            .equals("2/2"));
            assertThat(client.run("service", "ps", name, "--format", "{{.Name}}")
                            .lines())
                    .containsExactlyInAnyOrder(name + ".1", name + ".2");
            assertThat(client.run("service", "rm", name).exit()).isZero();
        }
    }

    @Test
    void globalServiceRunsOneTaskPerNode() throws Exception {
        ok("service", "create", "-d", "--no-resolve-image", "--mode", "global", "--name", "everywhere", "img:1");
        await().atMost(WAIT)
                .until(() -> docker.run("service", "ps", "everywhere", "--format", "{{.Node}}").lines().stream()
                        .sorted()
                        .toList()
                        .equals(List.of("host2", "host3", "mgr")));
        assertThat(ok("service", "ls", "--filter", "name=everywhere", "--format", "{{.Mode}}")
                        .out()
                        .trim())
                .isEqualTo("global");
        ok("service", "rm", "everywhere");
    }

    @Test
    void leaderIsMarkedAndDrainMovesTasksAway() throws Exception {
        ok("node", "update", "--role", "manager", "mgr");
        eventually(() -> assertThat(ok("node", "ls", "--format", "{{.Self}} {{.Hostname}} {{.ManagerStatus}}")
                        .lines())
                .contains("true mgr Leader", "false host2 ", "false host3 "));
        assertThat(ok("node", "ls").out()).containsPattern("m1 \\*\\s+mgr\\s+Ready\\s+Active\\s+Leader");

        assertThat(ok("node", "inspect", "--pretty", "mgr").out())
                .containsPattern("Hostname:\\s+mgr")
                .containsPattern("Availability:\\s+Active")
                .containsPattern("Manager Status:");

        ok("service", "create", "-d", "--no-resolve-image", "--name", "movers", "--replicas", "3", "img:1");
        await().atMost(WAIT).until(() -> running("movers").contains("host3"));
        ok("node", "update", "--availability", "drain", "host3");
        eventually(() -> assertThat(ok("node", "inspect", "host3", "--format", "{{.Spec.Availability}}")
                        .out()
                        .trim())
                .isEqualTo("drain"));
        await().atMost(WAIT).until(() -> {
            List<String> on = running("movers");
            return on.size() == 3 && !on.contains("host3");
        });
        ok("node", "update", "--availability", "active", "host3");
        eventually(() -> assertThat(ok("node", "ls", "--filter", "name=host3", "--format", "{{.Availability}}")
                        .out()
                        .trim())
                .isEqualTo("Active"));
        ok("service", "rm", "movers");
    }

    @Test
    void rawRequestsGetDockerStatusCodesAndMessages() throws Exception {
        Requirements.require(Files.isExecutable(Path.of("/usr/bin/curl")), "curl");
        String id = ok("service", "create", "-d", "-q", "--no-resolve-image", "--name", "raw", "img:1")
                .out()
                .trim();
        String body = curl("GET", "/v1.41/services/" + id, null).body();
        // An update naming a version that is not the stored one is refused with 409.
        String spec = json(body).path("Spec").toString();
        Curl stale = curl("POST", "/v1.41/services/" + id + "/update?version=99", spec);
        assertThat(stale.status()).isEqualTo(409);
        assertThat(json(stale.body()).path("message").asText()).contains("update names version 99");
        Curl tooNew = curl("GET", "/v1.99/info", null);
        assertThat(tooNew.status()).isEqualTo(400);
        assertThat(json(tooNew.body()).path("message").asText())
                .isEqualTo("client version 1.99 is too new. Maximum supported API version is 1.41");
        Curl unknownField = curl(
                "POST",
                "/v1.41/services/create",
                "{\"Name\":\"odd\",\"TaskTemplate\":{\"ContainerSpec\":" + "{\"Image\":\"img:1\"}},\"Bogus\":1}");
        assertThat(unknownField.status()).isEqualTo(400);
        assertThat(json(unknownField.body()).path("message").asText())
                .startsWith("Bogus: unknown or unsupported field");
        assertThat(curl("GET", "/v1.41/volumes", null).status()).isEqualTo(501);
        assertThat(curl("GET", "/v1.41/nodes/nobody", null).status()).isEqualTo(404);
        Curl ping = curl("GET", "/_ping", null);
        assertThat(ping.status()).isEqualTo(200);
        assertThat(ping.body()).isEqualTo("OK");
        ok("service", "rm", "raw");
    }

    record Curl(int status, String body) {}

    private static Curl curl(String method, String path, String body) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                "curl",
                "-s",
                "--max-time",
                "10",
                "--unix-socket",
                dir.resolve("shoal.sock").toString(),
                "-X",
                method,
                "-w",
                "\n%{http_code}"));
        if (body != null) {
            cmd.addAll(List.of("-H", "Content-Type: application/json", "--data-binary", body));
        }
        cmd.add("http://localhost" + path);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        int nl = out.lastIndexOf('\n');
        return new Curl(Integer.parseInt(out.substring(nl + 1).trim()), out.substring(0, nl));
    }

    /** The nodes of a service's tasks that should run and do. */
    private static List<String> running(String service) throws Exception {
        return docker
                .run(
                        "service",
                        "ps",
                        service,
                        "--filter",
                        "desired-state=running",
                        "--format",
                        "{{.Node}} {{.CurrentState}}")
                .lines()
                .stream()
                .filter(l -> l.contains(" Running"))
                .map(l -> l.substring(0, l.indexOf(' ')))
                .toList();
    }

    @Test
    void refusalsArriveAsDockerErrors() throws Exception {
        assertThat(fails("secret", "ls").err()).contains("Shoal does not support secrets");
        assertThat(fails("network", "create", "plain").err()).contains("Driver: 'bridge' is not supported");
        assertThat(fails(
                                "service",
                                "create",
                                "-d",
                                "--no-resolve-image",
                                "--name",
                                "mounted",
                                "--mount",
                                "type=bind,src=/tmp,dst=/x",
                                "img:1")
                        .err())
                .contains("TaskTemplate.ContainerSpec.Mounts: mounts are not supported by Shoal");
        assertThat(fails(
                                "service",
                                "create",
                                "-d",
                                "--no-resolve-image",
                                "--name",
                                "lost",
                                "--network",
                                "no-such-net",
                                "img:1")
                        .err())
                .contains("no-such-net");
        ok("service", "create", "-d", "--no-resolve-image", "--name", "twice", "img:1");
        assertThat(fails("service", "create", "-d", "--no-resolve-image", "--name", "twice", "img:1")
                        .err())
                .contains("'twice' is already in use");
        assertThat(fails("service", "inspect", "nothing-here").err()).containsIgnoringCase("no such service");
        assertThat(fails("service", "scale", "-d", "twice=-2").err()).contains("-2");
        ok("service", "rm", "twice");
        assertThat(fails("service", "rm", "twice").err()).contains("service twice not found");
        assertThat(fails("node", "rm", "host2").err()).contains("only a node that is down can be removed");
    }
}
