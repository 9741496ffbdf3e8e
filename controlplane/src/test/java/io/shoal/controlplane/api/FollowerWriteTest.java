package io.shoal.controlplane.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.controlplane.ZkSupport;
import io.shoal.controlplane.join.JoinTokens;
import io.shoal.controlplane.manager.Manager;
import io.shoal.controlplane.membership.MemberRecord;
import io.shoal.controlplane.store.Layout;
import io.shoal.model.ClusterSpec;
import io.shoal.model.Json;
import io.shoal.model.Member;
import io.shoal.model.Resources;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

/** A manager that does not lead accepts writes: they go to ZooKeeper and the leader acts on them. */
class FollowerWriteTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> call(ApiServer api, String method, String path, String body) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + api.tcpAddress().getPort() + path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aServiceCreatedThroughTheFollowerIsScheduledByTheLeader() throws Exception {
        List<AutoCloseable> open = new ArrayList<>();
        try (TestingServer server = ZkSupport.server()) {
            try {
                List<Manager> managers = new ArrayList<>();
                List<ApiServer> apis = new ArrayList<>();
                for (String id : List.of("m1", "m2")) {
                    CuratorFramework c = ZkSupport.client(server.getConnectString());
                    open.add(c);
                    Manager m = new Manager(
                            c,
                            Layout.DEFAULT,
                            id,
                            ClusterSpec.withPools("100.64.0.0/10"),
                            Duration.ofSeconds(5),
                            Clock.systemUTC());
                    open.add(m);
                    m.start();
                    managers.add(m);
                    JoinTokens.init(c, Layout.DEFAULT);
                    ApiServer api = new ApiServer(
                            new Api(
                                    m.store(),
                                    m.metrics(),
                                    m::isLeader,
                                    () -> JoinTokens.load(c, Layout.DEFAULT),
                                    Clock.systemUTC()),
                            new ApiServer.Config(null, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
                    open.add(api);
                    api.start();
                    apis.add(api);
                }
                CuratorFramework agentClient = ZkSupport.client(server.getConnectString());
                open.add(agentClient);
                MemberRecord agent = new MemberRecord(
                        agentClient,
                        Layout.DEFAULT,
                        new Member("n1", "host1", List.of("198.18.0.1"), Resources.of(2, 2048), "test", Instant.now()));
                open.add(agent);
                agent.start(Duration.ofSeconds(10));
                await().atMost(WAIT)
                        .until(() -> managers.stream().filter(Manager::isLeader).count() == 1);
                int follower = managers.get(0).isLeader() ? 1 : 0;
                ApiServer followerApi = apis.get(follower);
                JsonNode health = Json.mapper()
                        .readTree(call(followerApi, "GET", "/healthz", null).body());
                assertThat(health.path("leader").asBoolean()).isFalse();

                HttpResponse<String> created = call(
                        followerApi,
                        "POST",
                        "/services",
                        "{\"name\": \"web\", \"task\": {\"container\": {\"image\": \"img:1\"}},"
                                + " \"mode\": {\"kind\": \"replicated\", \"replicas\": 3}}");
                assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
                await().atMost(WAIT).until(() -> {
                    JsonNode tasks = Json.mapper()
                            .readTree(call(followerApi, "GET", "/tasks?service=web", null)
                                    .body());
                    int assigned = 0;
                    for (JsonNode t : tasks) {
                        if (t.path("status").path("state").asText().equals("assigned")) {
                            assigned++;
                        }
                    }
                    return assigned == 3;
                });
                assertThat(managers.get(follower).metrics().value("shoal_controlplane_tasks_created_total"))
                        .as("the follower created no task itself")
                        .isZero();
                assertThat(managers.get(1 - follower).metrics().value("shoal_controlplane_tasks_created_total"))
                        .isEqualTo(3);
            } finally {
                for (int i = open.size() - 1; i >= 0; i--) {
                    try {
                        open.get(i).close();
                    } catch (Exception e) {
                        // keep closing
                    }
                }
            }
        }
    }
}
