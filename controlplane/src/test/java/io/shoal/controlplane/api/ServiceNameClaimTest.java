package io.shoal.controlplane.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.controlplane.ZkSupport;
import io.shoal.controlplane.metrics.Metrics;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Layout;
import io.shoal.controlplane.store.Store;
import io.shoal.model.Json;
import io.shoal.model.Meta;
import io.shoal.model.ServiceSpec;
import io.shoal.model.Task;
import io.shoal.model.TaskSpec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Service names are claimed by a znode made in the same transaction as the service: two managers
 * (two stores, two clients, each with its own lagging view) creating one name at once → exactly one
 * succeeds; a removed service frees its name. The per-service task index answers what a scan would.
 */
class ServiceNameClaimTest {
    private static TestingServer server;
    private static final List<CuratorFramework> clients = new ArrayList<>();
    private static final List<Store> stores = new ArrayList<>();
    private static final List<Api> apis = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        server = ZkSupport.server();
        for (int i = 0; i < 2; i++) {
            CuratorFramework c = ZkSupport.client(server.getConnectString());
            clients.add(c);
            Store s = new Store(c, Layout.DEFAULT, Clock.systemUTC(), Duration.ofSeconds(10));
            s.start();
            stores.add(s);
            apis.add(new Api(s, new Metrics(), () -> false, () -> null, Clock.systemUTC()));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (Store s : stores) {
            s.close();
        }
        for (CuratorFramework c : clients) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static Response create(Api api, String name) throws Exception {
        byte[] body = Json.mapper().writeValueAsBytes(ServiceSpec.replicated(name, "img:1", 1));
        return api.handle(new Request("POST", "/services", Map.of(), body));
    }

    private static String message(Response r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void racingCreatesOfOneNameOnTwoManagersLetExactlyOneWin() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 5; round++) {
                String name = "race" + round;
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Response>> answers = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    Api api = apis.get(i % 2);
                    Callable<Response> call = () -> {
                        go.await();
                        return create(api, name);
                    };
                    answers.add(pool.submit(call));
                }
                go.countDown();
                List<Integer> statuses = new ArrayList<>();
                for (Future<Response> f : answers) {
                    Response r = f.get(30, TimeUnit.SECONDS);
                    statuses.add(r.status());
                    if (r.status() == 409) {
                        assertThat(message(r)).contains("service name '" + name + "' is already in use");
                    }
                }
                assertThat(statuses).as("round %d", round).containsOnly(201, 409);
                assertThat(statuses.stream().filter(s -> s == 201))
                        .as("round %d", round)
                        .hasSize(1);
                assertThat(stores.get(0).readAll(Kind.SERVICES).stream()
                                .filter(s -> s.name().equals(name)))
                        .hasSize(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRemovedServiceFreesItsNameAndItsClaim() throws Exception {
        Response made = create(apis.get(0), "freed");
        assertThat(made.status()).as(message(made)).isEqualTo(201);
        String id = Json.mapper().readTree(made.body()).path("id").asText();
        assertThat(stores.get(0)
                        .read(Kind.SERVICE_NAMES, "freed")
                        .orElseThrow()
                        .value()
                        .id())
                .isEqualTo(id);
        // The other manager finds it by name at once (through the claim), whatever its view says.
        Response seen = apis.get(1).handle(new Request("GET", "/services/freed", Map.of(), null));
        assertThat(seen.status()).isEqualTo(200);
        Response removed = apis.get(1).handle(new Request("DELETE", "/services/freed", Map.of(), null));
        assertThat(removed.status()).as(message(removed)).isEqualTo(200);
        assertThat(stores.get(0).read(Kind.SERVICE_NAMES, "freed")).isEmpty();
        Response again = create(apis.get(1), "freed");
        assertThat(again.status()).as(message(again)).isEqualTo(201);
    }

    @Test
    void tasksOfOneServiceComeFromTheIndex() throws Exception {
        Store store = stores.get(0);
        TasksByService early = new TasksByService(store);
        for (int slot = 1; slot <= 3; slot++) {
            store.create(Kind.TASKS, task("idx-a", slot));
        }
        for (int slot = 1; slot <= 2; slot++) {
            store.create(Kind.TASKS, task("idx-b", slot));
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(early.tasks("idx-a"))
                    .extracting(Task::id)
                    .containsExactlyInAnyOrder("idx-a.1.0", "idx-a.2.0", "idx-a.3.0");
            assertThat(early.tasks("idx-b")).hasSize(2);
        });
        // One made after the tasks exist starts from the view.
        TasksByService late = new TasksByService(store);
        assertThat(late.tasks("idx-a")).hasSize(3);
        assertThat(late.tasks("nobody")).isEmpty();
        store.delete(Kind.TASKS, "idx-a.2.0", 0);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(early.tasks("idx-a")).extracting(Task::id).containsExactlyInAnyOrder("idx-a.1.0", "idx-a.3.0");
            assertThat(late.tasks("idx-a")).extracting(Task::id).containsExactlyInAnyOrder("idx-a.1.0", "idx-a.3.0");
        });
    }

    private static Task task(String service, int slot) {
        return Task.forSlot(
                Meta.created(service + "." + slot + ".0", Instant.now()), service, 0, slot, TaskSpec.of("img:1"));
    }
}
