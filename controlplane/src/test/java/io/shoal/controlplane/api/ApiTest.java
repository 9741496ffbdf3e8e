package io.shoal.controlplane.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.controlplane.ZkSupport;
import io.shoal.controlplane.join.JoinTokens;
import io.shoal.controlplane.manager.Manager;
import io.shoal.controlplane.membership.MemberRecord;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Layout;
import io.shoal.model.ClusterSpec;
import io.shoal.model.Json;
import io.shoal.model.Member;
import io.shoal.model.NodeAvailability;
import io.shoal.model.Resources;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manager's HTTP API on a real ZooKeeper, driven by Java's HttpClient over TCP loopback and by
 * {@code curl --unix-socket}. One manager and one agent (member record) for the whole class; each
 * test uses its own names.
 */
class ApiTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dir;

    private static TestingServer server;
    private static CuratorFramework client;
    private static CuratorFramework agentClient;
    private static Manager manager;
    private static MemberRecord agent;
    private static ApiServer api;
    private static JoinTokens.Tokens tokens;
    private static Path socket;
    private static final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
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
        tokens = JoinTokens.init(client, Layout.DEFAULT).orElseThrow();
        agentClient = ZkSupport.client(server.getConnectString());
        agent = new MemberRecord(
                agentClient,
                Layout.DEFAULT,
                new Member("n1", "host1", List.of("198.18.0.1"), Resources.of(2, 2048), "test", Instant.now()));
        agent.start(Duration.ofSeconds(10));
        socket = dir.resolve("shoal.sock");
        api = new ApiServer(
                new Api(
                        manager.store(),
                        manager.metrics(),
                        manager::isLeader,
                        () -> JoinTokens.load(client, Layout.DEFAULT),
                        Clock.systemUTC()),
                new ApiServer.Config(socket, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        api.start();
        await().atMost(WAIT).until(manager::isLeader);
    }

    @AfterAll
    static void stop() throws Exception {
        if (api != null) {
            api.close();
        }
        if (agent != null) {
            agent.close();
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

    private record Reply(int status, String body) {
        JsonNode json() {
            try {
                return Json.mapper().readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        String message() {
            return json().path("message").asText();
        }
    }

    private static Reply call(String method, String path, String body) throws Exception {
        InetSocketAddress at = api.tcpAddress();
        HttpRequest.Builder b = HttpRequest.newBuilder(
                        URI.create("http://" + at.getAddress().getHostAddress() + ":" + at.getPort() + path))
                .timeout(Duration.ofSeconds(10))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body());
    }

    private static Reply get(String path) throws Exception {
        return call("GET", path, null);
    }

    private static Reply post(String path, String body) throws Exception {
        return call("POST", path, body);
    }

    private static String service(String name, String image, int replicas) {
        return """
                {"name": "%s", "task": {"container": {"image": "%s"}},
                 "mode": {"kind": "replicated", "replicas": %d}}"""
                .formatted(name, image, replicas);
    }

    private static String published(String name, int target) {
        return """
                {"name": "%s", "task": {"container": {"image": "img:1"}},
                 "endpoint": {"ports": [{"targetPort": %d, "publishedPort": 8080}]}}"""
                .formatted(name, target);
    }

    private static long serviceCount() {
        return manager.store().readAll(Kind.SERVICES).size();
    }

    @Test
    void createdServiceIsServedByIdAndNameAndGetsTasks() throws Exception {
        Reply net = post("/networks", "{\"name\": \"front\", \"subnet\": \"100.64.10.0/24\"}");
        assertThat(net.status()).as(net.body()).isEqualTo(201);
        String spec =
                """
                {"name": "web", "task": {"container": {"image": "img:1"}, "networks": [{"target": "front"}]},
                 "mode": {"kind": "replicated", "replicas": 2}}""";
        Reply created = post("/services", spec);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.json().path("id").asText();
        assertThat(id).hasSize(25);

        assertThat(get("/services/web").json().path("meta").path("id").asText()).isEqualTo(id);
        assertThat(get("/services/" + id).json().path("spec").path("name").asText())
                .isEqualTo("web");
        assertThat(get("/services").json())
                .anyMatch(s -> s.path("spec").path("name").asText().equals("web"));
        await().atMost(WAIT).until(() -> {
            JsonNode tasks = get("/tasks?service=web").json();
            return tasks.size() == 2
                    && tasks.get(0).path("nodeId").asText().equals("n1")
                    && tasks.get(1).path("status").path("state").asText().equals("assigned");
        });
        assertThat(post("/services", service("web", "img:2", 1)).status()).isEqualTo(409);
    }

    @Test
    void badSpecsGet400NamingTheFieldAndNothingIsWritten() throws Exception {
        post("/networks", "{\"name\": \"taken\", \"subnet\": \"100.64.20.0/24\"}");
        Reply ok = post("/services", published("ported", 80));
        assertThat(ok.status()).as(ok.body()).isEqualTo(201);
        long before = serviceCount();

        Reply negative = post("/services", service("neg", "img:1", -1));
        assertThat(negative.status()).isEqualTo(400);
        assertThat(negative.message()).startsWith("replicas: -1");

        Reply unknown =
                post("/services", "{\"name\": \"u\", \"bogus\": 1, \"task\": {\"container\": {\"image\": \"i\"}}}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.message()).contains("unknown field 'bogus'");

        Reply noImage = post("/services", "{\"name\": \"noimg\", \"task\": {\"container\": {}}}");
        assertThat(noImage.status()).isEqualTo(400);
        assertThat(noImage.message()).contains("image");

        Reply noNet = post(
                "/services",
                "{\"name\": \"nonet\", \"task\": {\"container\": {\"image\": \"i\"}, \"networks\": [{\"target\": \"nope\"}]}}");
        assertThat(noNet.status()).isEqualTo(400);
        assertThat(noNet.message()).isEqualTo("task.networks[0].target: network 'nope' not found");

        Reply port = post("/services", published("clash", 81));
        assertThat(port.status()).isEqualTo(400);
        assertThat(port.message())
                .isEqualTo("endpoint.ports[0]: published port 8080/tcp is already used by service 'ported'");

        Reply notJson = post("/services", "{\"name\": ");
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.message()).startsWith("body: not valid JSON");

        assertThat(serviceCount()).as("nothing written").isEqualTo(before);

        Reply hostBits = post("/networks", "{\"name\": \"hb\", \"subnet\": \"100.64.30.1/24\"}");
        assertThat(hostBits.status()).isEqualTo(400);
        assertThat(hostBits.message()).contains("subnet").contains("100.64.30.0/24");
        Reply overlap = post("/networks", "{\"name\": \"ov\", \"subnet\": \"100.64.20.128/25\"}");
        assertThat(overlap.status()).isEqualTo(400);
        assertThat(overlap.message()).isEqualTo("subnet: 100.64.20.128/25 overlaps 100.64.20.0/24 of network 'taken'");
        assertThat(get("/networks").json())
                .noneMatch(n -> n.path("spec").path("name").asText().equals("ov"));
    }

    @Test
    void proxySettingsOfAPortAreStoredCarriedIntoTheEndpointAndUpdated() throws Exception {
        String spec =
                """
                {"name": "proxied", "task": {"container": {"image": "img:1"}},
                 "endpoint": {"ports": [{"targetPort": 80, "publishedPort": 8090, "proxyProtocol": "%s",
                                         "trustedProxies": ["198.18.1.0/24"]}]}}""";
        Reply created = post("/services", spec.formatted("v1"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        // The allocator's resolved port keeps the settings: the agents' tables are built from it.
        await().atMost(WAIT).until(() -> get("/services/proxied")
                .json()
                .path("endpoint")
                .path("ports")
                .path(0)
                .path("proxyProtocol")
                .asText()
                .equals("v1"));
        JsonNode port =
                get("/services/proxied").json().path("endpoint").path("ports").path(0);
        assertThat(port.path("trustedProxies").toString()).isEqualTo("[\"198.18.1.0/24\"]");
        assertThat(port.path("publishedPort").asInt()).isEqualTo(8090);

        long v = get("/services/proxied").json().path("meta").path("version").asLong();
        Reply updated = post("/services/proxied/update?version=" + v, spec.formatted("v2"));
        assertThat(updated.status()).as(updated.body()).isEqualTo(200);
        await().atMost(WAIT).until(() -> get("/services/proxied")
                .json()
                .path("endpoint")
                .path("ports")
                .path(0)
                .path("proxyProtocol")
                .asText()
                .equals("v2"));

        Reply badCidr = post(
                "/services",
                spec.formatted("v1")
                        .replace("proxied", "p2")
                        .replace("8090", "8091")
                        .replace("198.18.1.0/24", "198.18.1.0/33"));
        assertThat(badCidr.status()).isEqualTo(400);
        assertThat(badCidr.message()).contains("trustedProxies[0]: '198.18.1.0/33' prefix length must be 0..32");
        Reply badVersion =
                post("/services", spec.formatted("v3").replace("proxied", "p3").replace("8090", "8092"));
        assertThat(badVersion.status()).isEqualTo(400);
        assertThat(badVersion.message()).contains("proxyProtocol: 'v3' is not one of none, v1, v2");
        Reply udp = post(
                "/services",
                spec.formatted("v2")
                        .replace("proxied", "p4")
                        .replace("8090", "8093")
                        .replace("\"targetPort\"", "\"protocol\": \"udp\", \"targetPort\""));
        assertThat(udp.status()).isEqualTo(400);
        assertThat(udp.message()).contains("proxyProtocol: v2 is for TCP ports only");
        assertThat(get("/services").json())
                .noneMatch(s -> s.path("spec").path("name").asText().matches("p[234]"));
    }

    @Test
    void updatesNameTheirVersionAndAStaleOneGets409NamingBoth() throws Exception {
        assertThat(post("/services", service("upd", "img:1", 1)).status()).isEqualTo(201);

        Reply noVersion = post("/services/upd/update", service("upd", "img:2", 1));
        assertThat(noVersion.status()).isEqualTo(400);
        assertThat(noVersion.message()).startsWith("version: query parameter is required");

        long v = get("/services/upd").json().path("meta").path("version").asLong();
        Reply first = post("/services/upd/update?version=" + v, service("upd", "img:2", 1));
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        long next = first.json().path("version").asLong();
        assertThat(next).isEqualTo(v + 1);

        Reply stale = post("/services/upd/update?version=" + v, service("upd", "img:3", 1));
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.message()).contains("version " + v).contains("stored version is " + next);
        JsonNode stored = manager.store()
                .read(Kind.SERVICES, first.json().path("id").asText())
                .map(s -> Json.mapper().valueToTree(s.value()))
                .map(JsonNode.class::cast)
                .orElseThrow();
        assertThat(stored.path("spec")
                        .path("task")
                        .path("container")
                        .path("image")
                        .asText())
                .isEqualTo("img:2");
        assertThat(stored.path("previousSpec")
                        .path("task")
                        .path("container")
                        .path("image")
                        .asText())
                .isEqualTo("img:1");
        assertThat(stored.path("updateStatus").path("state").asText()).isIn("updating", "completed", "paused");

        Reply rename = post("/services/upd/update?version=" + next, service("other", "img:2", 1));
        assertThat(rename.status()).isEqualTo(400);
        assertThat(rename.message()).startsWith("name: a service cannot be renamed");

        Reply rollback = post("/services/upd/update?version=" + next + "&rollback=previous", null);
        assertThat(rollback.status()).as(rollback.body()).isEqualTo(200);
        // GET reads this manager's view, which catches up with the write.
        await().atMost(WAIT).until(() -> get("/services/upd")
                .json()
                .path("spec")
                .path("task")
                .path("container")
                .path("image")
                .asText()
                .equals("img:1"));
        assertThat(get("/services/upd")
                        .json()
                        .path("updateStatus")
                        .path("state")
                        .asText())
                .startsWith("rollback");
    }

    @Test
    void nodesAreListedAndUpdatedWithTheirVersion() throws Exception {
        await().atMost(WAIT).until(() -> get("/nodes").json().size() >= 1);
        await().atMost(WAIT).until(() -> get("/nodes/n1")
                .json()
                .path("status")
                .path("ingressAddress")
                .asText()
                .startsWith("100.64."));
        Reply ready = call("DELETE", "/nodes/n1", null);
        assertThat(ready.status()).isEqualTo(409);
        assertThat(ready.message())
                .isEqualTo("node n1 is ready; only a node that is down can be removed (stop its agent first)");
        assertThat(call("DELETE", "/nodes/nope", null).message()).isEqualTo("node 'nope' not found");
        JsonNode n1 = get("/nodes/n1").json();
        long v = n1.path("meta").path("version").asLong();
        String spec = "{\"role\": \"worker\", \"availability\": \"pause\", \"labels\": {\"zone\": \"a\"}}";
        Reply stale = post("/nodes/n1/update?version=" + (v + 7), spec);
        assertThat(stale.status()).isEqualTo(409);
        Reply bad = post("/nodes/n1/update?version=" + v, "{\"availability\": \"sleepy\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.message()).contains("availability").contains("drain");
        // The membership watcher may write the node between our read and our update: retry then.
        await().atMost(WAIT).until(() -> {
            long current = get("/nodes/n1").json().path("meta").path("version").asLong();
            return post("/nodes/n1/update?version=" + current, spec).status() == 200;
        });
        await().atMost(WAIT)
                .until(() -> manager.store()
                                .get(Kind.NODES, "n1")
                                .orElseThrow()
                                .spec()
                                .availability()
                        == NodeAvailability.PAUSE);
        assertThat(get("/nodes/n1")
                        .json()
                        .path("spec")
                        .path("labels")
                        .path("zone")
                        .asText())
                .isEqualTo("a");
        // Back to active so that other tests still get tasks scheduled.
        await().atMost(WAIT).until(() -> {
            long current = get("/nodes/n1").json().path("meta").path("version").asLong();
            return post("/nodes/n1/update?version=" + current, "{\"role\": \"worker\", \"availability\": \"active\"}")
                            .status()
                    == 200;
        });
    }

    @Test
    void aNetworkInUseCannotBeDeletedUntilItsServiceIsGone() throws Exception {
        String netId =
                post("/networks", "{\"name\": \"back\"}").json().path("id").asText();
        String spec =
                """
                {"name": "db", "task": {"container": {"image": "db:1"}, "networks": [{"target": "back"}]}}""";
        assertThat(post("/services", spec).status()).isEqualTo(201);
        Reply inUse = call("DELETE", "/networks/" + netId, null);
        assertThat(inUse.status()).isEqualTo(409);
        assertThat(inUse.message()).isEqualTo("network 'back' is in use by service 'db'");
        Reply gone = call("DELETE", "/services/db", null);
        assertThat(gone.status()).as(gone.message()).isEqualTo(200);
        assertThat(get("/services/db").status()).isEqualTo(404);
        await().atMost(WAIT).until(() -> call("DELETE", "/networks/back", null).status() == 200);
        assertThat(get("/networks/back").status()).isEqualTo(404);
        assertThat(call("DELETE", "/networks/back", null).message()).isEqualTo("network 'back' not found");
    }

    @Test
    void theLeaderMakesOneIngressNetworkThatCannotGoWhilePortsArePublished() throws Exception {
        await().atMost(WAIT).until(() -> get("/networks/ingress").status() == 200);
        JsonNode ingress = get("/networks/ingress").json();
        assertThat(ingress.path("spec").path("ingress").asBoolean()).isTrue();
        await().atMost(WAIT)
                .until(() -> get("/networks/ingress").json().path("vni").asInt() >= 4096);

        Reply second = post("/networks", "{\"name\": \"mesh2\", \"ingress\": true}");
        assertThat(second.status()).isEqualTo(409);
        assertThat(second.message())
                .isEqualTo("ingress: the cluster already has an ingress network ('ingress'); remove it first");
        Reply explicit = post(
                "/services",
                """
                {"name": "direct", "task": {"container": {"image": "img:1"}, "networks": [{"target": "ingress"}]}}""");
        assertThat(explicit.status()).isEqualTo(400);
        assertThat(explicit.message())
                .isEqualTo("task.networks[0].target: 'ingress' is the ingress network;"
                        + " a service that publishes ports is attached to it implicitly");

        String spec =
                """
                {"name": "meshed", "task": {"container": {"image": "img:1"}},
                 "endpoint": {"ports": [{"targetPort": 80, "publishedPort": 9191}]}}""";
        assertThat(post("/services", spec).status()).isEqualTo(201);
        Reply inUse = call("DELETE", "/networks/ingress", null);
        assertThat(inUse.status()).isEqualTo(409);
        assertThat(inUse.message())
                .startsWith("network 'ingress' is the ingress network and service '")
                .endsWith("' publishes ports through it; remove the service or its published ports first");
        assertThat(get("/networks/ingress").status()).isEqualTo(200);
        assertThat(call("DELETE", "/services/meshed", null).status()).isEqualTo(200);
    }

    @Test
    void joinTokensGrantTheirRoleAndAWrongOneIsRefused() throws Exception {
        Reply worker = post("/swarm/join", "{\"token\": \"" + tokens.worker() + "\"}");
        assertThat(worker.status()).isEqualTo(200);
        assertThat(worker.json().path("role").asText()).isEqualTo("worker");
        assertThat(post("/swarm/join", "{\"token\": \"" + tokens.manager() + "\"}")
                        .json()
                        .path("role")
                        .asText())
                .isEqualTo("manager");
        String forged = "SHOALTKN-1-manager-" + "0".repeat(64);
        Reply wrong = post("/swarm/join", "{\"token\": \"" + forged + "\"}");
        assertThat(wrong.status()).isEqualTo(403);
        assertThat(wrong.message()).isEqualTo("join token: not valid for this cluster (wrong or rotated token)");
        Reply malformed = post("/swarm/join", "{\"token\": \"hello\"}");
        assertThat(malformed.status()).isEqualTo(403);
        assertThat(malformed.message()).startsWith("join token: expected SHOALTKN-1-");
    }

    @Test
    void unixSocketServesHealthServicesAndMetricsToCurl() throws Exception {
        assertThat(curl("GET", "/healthz", null)).contains("\"status\":\"ok\"").contains("\"leader\":true");
        String created = curl("POST", "/services", service("viasock", "img:1", 1));
        assertThat(created).contains("\"id\"");
        assertThat(curl("GET", "/services/viasock", null)).contains("\"name\":\"viasock\"");
        String metrics = curl("GET", "/metrics", null);
        assertThat(metrics).contains("# TYPE shoal_controlplane_api_requests_total counter");
        long requests = metricValue(metrics, "shoal_controlplane_api_requests_total");
        assertThat(requests).isGreaterThanOrEqualTo(3);
        assertThat(metricValue(curl("GET", "/metrics", null), "shoal_controlplane_api_requests_total"))
                .isGreaterThan(requests);
        assertThat(metrics).contains("shoal_controlplane_leader 1");
        assertThat(curl("GET", "/nope", null)).contains("no such endpoint: GET /nope");
    }

    private static long metricValue(String text, String name) {
        return text.lines()
                .filter(l -> l.startsWith(name + " "))
                .mapToLong(l -> Long.parseLong(l.substring(name.length() + 1).trim()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(name + " missing from " + text));
    }

    private static String curl(String method, String path, String body) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(
                List.of("curl", "-sS", "--max-time", "10", "--unix-socket", socket.toString(), "-X", method));
        if (body != null) {
            cmd.addAll(List.of("-H", "Content-Type: application/json", "--data-binary", body));
        }
        cmd.add("http://localhost" + path);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("curl: %s", out).isZero();
            return out;
        } finally {
            p.destroyForcibly();
        }
    }
}
