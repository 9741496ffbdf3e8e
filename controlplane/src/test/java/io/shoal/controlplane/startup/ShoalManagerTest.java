package io.shoal.controlplane.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.controlplane.membership.MemberRecord;
import io.shoal.controlplane.store.Layout;
import io.shoal.model.Json;
import io.shoal.model.Member;
import io.shoal.model.Resources;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manager process in-process: embedded ZooKeeper on loopback, the API, a restart on the same state. */
class ShoalManagerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private record Reply(int status, JsonNode json) {}

    private Reply call(ShoalManager m, String method, String path, String body) throws Exception {
        InetSocketAddress at = m.api().tcpAddress();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.getPort() + path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), Json.mapper().readTree(r.body()));
    }

    private ManagerOptions options() {
        return ManagerOptions.parse(
                "--state-dir", dir.resolve("state").toString(),
                "--zookeeper-listen", "127.0.0.1:0",
                "--id", "m1",
                "--socket", dir.resolve("shoal.sock").toString(),
                "--listen", "127.0.0.1:0",
                "--pool", "100.64.0.0/10",
                "--grace", "5",
                "--task-history-limit", "3");
    }

    @Test
    void startsAnEmbeddedZooKeeperServesTheApiAndKeepsEverythingAcrossARestart() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        String workerToken;
        try (ShoalManager m = ShoalManager.start(options(), new PrintStream(printed, true, StandardCharsets.UTF_8))) {
            String out = printed.toString(StandardCharsets.UTF_8);
            Matcher worker =
                    Pattern.compile("worker: +(SHOALTKN-1-worker-[0-9a-f]{64})").matcher(out);
            assertThat(worker.find()).as("tokens printed: %s", out).isTrue();
            workerToken = worker.group(1);
            assertThat(m.connectString()).startsWith("127.0.0.1:");
            assertThat(Files.isDirectory(dir.resolve("state/zookeeper/log"))).isTrue();
            assertThat(m.manager().cluster().taskHistoryLimit()).isEqualTo(3);
            assertThat(call(m, "GET", "/swarm", null)
                            .json()
                            .path("Spec")
                            .path("Orchestration")
                            .path("TaskHistoryRetentionLimit")
                            .asInt())
                    .isEqualTo(3);

            CuratorFramework agentClient = CuratorFrameworkFactory.newClient(
                    m.connectString(), 5000, 3000, new ExponentialBackoffRetry(100, 3));
            agentClient.start();
            try (MemberRecord agent = new MemberRecord(
                    agentClient,
                    Layout.DEFAULT,
                    new Member("n1", "host1", List.of("198.18.0.1"), Resources.of(2, 2048), "test", Instant.now()))) {
                agent.start(Duration.ofSeconds(10));
                await().atMost(WAIT).until(() -> m.manager().isLeader());
                Reply created = call(
                        m,
                        "POST",
                        "/services",
                        "{\"name\": \"web\", \"task\": {\"container\": {\"image\": \"img:1\"}},"
                                + " \"mode\": {\"kind\": \"replicated\", \"replicas\": 2}}");
                assertThat(created.status()).as(created.json().toString()).isEqualTo(201);
                await().atMost(WAIT).until(() -> {
                    JsonNode tasks = call(m, "GET", "/tasks?service=web", null).json();
                    return tasks.size() == 2
                            && tasks.get(0).path("nodeId").asText().equals("n1")
                            && tasks.get(1).path("nodeId").asText().equals("n1");
                });
                Reply join = call(m, "POST", "/swarm/join", "{\"token\": \"" + workerToken + "\"}");
                assertThat(join.json().path("role").asText()).isEqualTo("worker");
            } finally {
                agentClient.close();
            }
        }
        assertThat(Files.exists(dir.resolve("shoal.sock")))
                .as("socket removed on close")
                .isFalse();

        ByteArrayOutputStream again = new ByteArrayOutputStream();
        try (ShoalManager m = ShoalManager.start(options(), new PrintStream(again, true, StandardCharsets.UTF_8))) {
            assertThat(again.toString(StandardCharsets.UTF_8))
                    .as("tokens are shown once")
                    .doesNotContain("SHOALTKN");
            assertThat(call(m, "GET", "/services/web", null).status()).isEqualTo(200);
            assertThat(call(m, "GET", "/tasks?service=web", null).json().size()).isEqualTo(2);
            Reply join = call(m, "POST", "/swarm/join", "{\"token\": \"" + workerToken + "\"}");
            assertThat(join.status()).isEqualTo(200);
        }
    }

    @Test
    void badOptionsAreRefusedNamingTheOption() {
        assertThatThrownBy(() -> ManagerOptions.parse("--zookeeper", "zk1"))
                .hasMessage("--zookeeper: expected host:port[,host:port...], got 'zk1'");
        assertThatThrownBy(() -> ManagerOptions.parse("--listen", "127.0.0.1:99999"))
                .hasMessage("--listen: port in '127.0.0.1:99999' must be 0..65535");
        assertThatThrownBy(() -> ManagerOptions.parse("--pool", "100.64.0.1/10"))
                .hasMessage("--pool: '100.64.0.1/10' has host bits set (did you mean 100.64.0.0/10?)");
        assertThatThrownBy(() -> ManagerOptions.parse("--frobnicate", "1")).hasMessageStartingWith("unknown option");
        assertThatThrownBy(() -> ManagerOptions.parse("--grace")).hasMessage("--grace: a value is required");
        assertThatThrownBy(() -> ManagerOptions.parse("--task-history-limit", "0"))
                .hasMessage("--task-history-limit: expected a number of tasks of at least 1 (each slot keeps its"
                        + " newest task), got '0'");
        assertThatThrownBy(() -> ManagerOptions.parse("--task-history-limit", "five"))
                .hasMessageEndingWith("got 'five'");
        assertThat(ManagerOptions.parse("--task-history-limit", "12").taskHistoryLimit())
                .isEqualTo(12);
        assertThat(ManagerOptions.parse().taskHistoryLimit()).as("not given").isZero();
        assertThatThrownBy(() -> ManagerOptions.parse("--socket", "none"))
                .hasMessageStartingWith("--socket none: give --listen too");
        ManagerOptions o = ManagerOptions.parse("--zookeeper", "198.18.0.1:2181,198.18.0.2:2181");
        assertThat(o.zookeeper()).isEqualTo("198.18.0.1:2181,198.18.0.2:2181");
        assertThat(o.socket()).isEqualTo(Path.of("/run/shoal/shoal.sock"));
    }
}
