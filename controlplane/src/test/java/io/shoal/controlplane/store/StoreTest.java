package io.shoal.controlplane.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.shoal.controlplane.Lifecycle;
import io.shoal.controlplane.ZkStoreTest;
import io.shoal.controlplane.ZkSupport;
import io.shoal.model.ClusterSpec;
import io.shoal.model.Meta;
import io.shoal.model.Service;
import io.shoal.model.ServiceSpec;
import io.shoal.model.Task;
import io.shoal.model.TaskSpec;
import io.shoal.model.TaskState;
import io.shoal.model.TaskStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

class StoreTest extends ZkStoreTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** The root of the test method's store ({@link ZkStoreTest}): for second stores on the same data. */
    static Layout root(TestInfo info) {
        return new Layout("/t-" + info.getTestMethod().orElseThrow().getName());
    }

    static Service service(String id, String name, int replicas) {
        return Service.created(Meta.created(id, T0), ServiceSpec.replicated(name, "img:1", replicas));
    }

    @Test
    void createdObjectIsReadBackThroughTheCacheAndDirectly() {
        Service written = store.create(Kind.SERVICES, service("svc1", "web", 2));
        assertThat(written.version()).isZero();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> store.get(Kind.SERVICES, "svc1").isPresent());
        assertThat(store.get(Kind.SERVICES, "svc1")).contains(written);
        assertThat(store.list(Kind.SERVICES)).containsExactly(written);
        Stored<Service> direct = store.read(Kind.SERVICES, "svc1").orElseThrow();
        assertThat(direct.version()).isZero();
        assertThat(direct.value()).isEqualTo(written);
        assertThat(store.read(Kind.SERVICES, "nope")).isEmpty();
    }

    @Test
    void createFailsWhenTheIdIsTaken() {
        store.create(Kind.SERVICES, service("svc1", "web", 1));
        assertThatThrownBy(() -> store.create(Kind.SERVICES, service("svc1", "other", 1)))
                .isInstanceOf(AlreadyExistsException.class)
                .hasMessage("service svc1 already exists");
    }

    @Test
    void updateNamingAStaleVersionIsAConflictNamingObjectAndVersions() {
        Service v0 = store.create(Kind.SERVICES, service("svc1", "web", 1));
        Service v1 = store.update(Kind.SERVICES, v0.updatedTo(v0.spec().withReplicas(3)));
        assertThat(v1.version()).isEqualTo(1);
        assertThat(v1.meta().updatedAt()).isAfter(v0.meta().updatedAt());
        assertThat(store.read(Kind.SERVICES, "svc1")
                        .orElseThrow()
                        .value()
                        .spec()
                        .mode()
                        .replicas())
                .isEqualTo(3);

        assertThatThrownBy(
                        () -> store.update(Kind.SERVICES, v0.updatedTo(v0.spec().withReplicas(9))))
                .isInstanceOfSatisfying(ConflictException.class, e -> {
                    assertThat(e.expectedVersion()).isZero();
                    assertThat(e.actualVersion()).isEqualTo(1);
                })
                .hasMessage("service svc1: update names version 0 but the stored version is 1");
        assertThat(store.read(Kind.SERVICES, "svc1")
                        .orElseThrow()
                        .value()
                        .spec()
                        .mode()
                        .replicas())
                .isEqualTo(3);
    }

    /**
     * A transaction ZooKeeper committed but whose answer the connection lost is retried by Curator,
     * and the retry fails on what the first attempt wrote. Replayed here as a second transaction
     * with the very same operations during which the store "saw" a connection loss: it counts as
     * committed when ZooKeeper holds exactly its result, and fails as before when anything differs
     * or when no connection was lost (a real duplicate).
     */
    @Test
    void aRetriedTransactionWhoseWritesAreAlreadyStoredCountsAsCommitted(TestInfo info) {
        Layout layout = root(info);
        AtomicLong losses = new AtomicLong();
        // Every read of the counter differs: a loss "happened" during each commit.
        Supplier<StoreTransaction> acrossALoss =
                () -> new StoreTransaction(client, layout, Clock.systemUTC(), losses::incrementAndGet);

        store.transaction()
                .create(Kind.SERVICE_NAMES, "web", new NameClaim("svc1"))
                .commit();
        assertThat(acrossALoss
                        .get()
                        .create(Kind.SERVICE_NAMES, "web", new NameClaim("svc1"))
                        .commit())
                .containsExactly(new NameClaim("svc1"));
        assertThatThrownBy(() -> store.transaction()
                        .create(Kind.SERVICE_NAMES, "web", new NameClaim("svc1"))
                        .commit())
                .as("the same create without a connection loss is a duplicate")
                .isInstanceOf(AlreadyExistsException.class);
        assertThatThrownBy(() -> acrossALoss
                        .get()
                        .create(Kind.SERVICE_NAMES, "web", new NameClaim("svc2"))
                        .commit())
                .isInstanceOf(AlreadyExistsException.class);

        store.transaction()
                .update(Kind.SERVICE_NAMES, "web", 0, new NameClaim("svc3"))
                .commit();
        assertThat(acrossALoss
                        .get()
                        .update(Kind.SERVICE_NAMES, "web", 0, new NameClaim("svc3"))
                        .commit())
                .containsExactly(new NameClaim("svc3"));
        assertThatThrownBy(() -> acrossALoss
                        .get()
                        .update(Kind.SERVICE_NAMES, "web", 0, new NameClaim("svc4"))
                        .commit())
                .isInstanceOf(ConflictException.class);
        assertThat(store.read(Kind.SERVICE_NAMES, "web").orElseThrow().version())
                .isEqualTo(1);

        store.transaction().delete(Kind.SERVICE_NAMES, "web", 1).commit();
        acrossALoss.get().delete(Kind.SERVICE_NAMES, "web", 1).commit();
        assertThat(store.read(Kind.SERVICE_NAMES, "web")).isEmpty();
        // Part of it never happened: still refused.
        assertThatThrownBy(() -> acrossALoss
                        .get()
                        .delete(Kind.SERVICE_NAMES, "never", 0)
                        .create(Kind.SERVICE_NAMES, "other", new NameClaim("x"))
                        .commit())
                .isInstanceOf(NotFoundException.class);
        assertThat(store.read(Kind.SERVICE_NAMES, "other")).isEmpty();
    }

    @Test
    void updateOrDeleteOfAMissingObjectIsNotFound() {
        assertThatThrownBy(() -> store.update(Kind.SERVICES, service("ghost", "web", 1)))
                .isInstanceOf(NotFoundException.class)
                .hasMessage("service ghost does not exist");
        Service v0 = store.create(Kind.SERVICES, service("svc1", "web", 1));
        assertThatThrownBy(() -> store.delete(Kind.SERVICES, "svc1", 4))
                .isInstanceOf(ConflictException.class)
                .hasMessage("service svc1: delete names version 4 but the stored version is 0");
        store.delete(Kind.SERVICES, "svc1", v0.version());
        assertThat(store.read(Kind.SERVICES, "svc1")).isEmpty();
    }

    @Test
    void concurrentUpdatesOfTheSameVersionLetExactlyOneWin() throws Exception {
        Service v0 = store.create(Kind.SERVICES, service("svc1", "web", 1));
        int writers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger conflicts = new AtomicInteger();
        try {
            List<Future<Boolean>> results = new java.util.ArrayList<>();
            for (int i = 0; i < writers; i++) {
                int replicas = i + 2;
                results.add(pool.submit(() -> {
                    go.await();
                    try {
                        store.update(Kind.SERVICES, v0.updatedTo(v0.spec().withReplicas(replicas)));
                        return true;
                    } catch (ConflictException e) {
                        conflicts.incrementAndGet();
                        return false;
                    }
                }));
            }
            go.countDown();
            int wins = 0;
            for (Future<Boolean> f : results) {
                wins += f.get() ? 1 : 0;
            }
            assertThat(wins).isEqualTo(1);
            assertThat(conflicts.get()).isEqualTo(writers - 1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.read(Kind.SERVICES, "svc1").orElseThrow().version()).isEqualTo(1);
    }

    @Test
    void transactionIsAllOrNothing() {
        Service v0 = store.create(Kind.SERVICES, service("svc1", "web", 1));
        store.update(Kind.SERVICES, v0.updatedTo(v0.spec().withReplicas(2)));
        Task t1 = Task.forSlot(Meta.created("t1", T0), "svc1", 0, 1, TaskSpec.of("img:1"));
        Task t2 = Task.forSlot(Meta.created("t2", T0), "svc1", 0, 2, TaskSpec.of("img:1"));

        StoreTransaction stale = store.transaction()
                .create(Kind.TASKS, t1)
                .create(Kind.TASKS, t2)
                .update(Kind.SERVICES, v0.updatedTo(v0.spec().withReplicas(5)));
        assertThatThrownBy(stale::commit)
                .isInstanceOf(ConflictException.class)
                .hasMessage("service svc1: update names version 0 but the stored version is 1");
        assertThat(store.read(Kind.TASKS, "t1")).isEmpty();
        assertThat(store.read(Kind.TASKS, "t2")).isEmpty();

        Service v1 = store.read(Kind.SERVICES, "svc1").orElseThrow().value();
        List<Object> written = store.transaction()
                .create(Kind.TASKS, t1)
                .create(Kind.TASKS, t2)
                .create(Kind.STATUS, "t1", TaskStatus.of(TaskState.NEW, T0, "created"))
                .update(Kind.SERVICES, v1.updatedTo(v1.spec().withReplicas(5)))
                .commit();
        assertThat(written).hasSize(4);
        assertThat(store.read(Kind.TASKS, "t2")).isPresent();
        assertThat(store.read(Kind.STATUS, "t1").orElseThrow().value().state()).isEqualTo(TaskState.NEW);
        assertThat(store.read(Kind.SERVICES, "svc1").orElseThrow().version()).isEqualTo(2);
        StoreTransaction twice = store.transaction().create(Kind.TASKS, t1);
        assertThatThrownBy(twice::commit).hasMessage("task t1 already exists");
        assertThatThrownBy(twice::commit).hasMessage("transaction already committed");
    }

    @Test
    void listenersSeeCreateUpdateDeleteInOrderWithBeforeAndAfter() {
        List<StoreEvent<Service>> events = new CopyOnWriteArrayList<>();
        Store.Subscription sub = store.listen(Kind.SERVICES, events::add);
        // The cache may fold changes that come faster than it reads; step by step, it sees each one.
        Service v0 = store.create(Kind.SERVICES, service("svc1", "web", 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);
        Service v1 = store.update(Kind.SERVICES, v0.updatedTo(v0.spec().withReplicas(2)));
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 2);
        store.delete(Kind.SERVICES, "svc1", v1.version());
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 3);
        assertThat(events)
                .extracting(StoreEvent::type)
                .containsExactly(StoreEvent.Type.CREATED, StoreEvent.Type.UPDATED, StoreEvent.Type.DELETED);
        assertThat(events.get(1).before().value()).isEqualTo(v0);
        assertThat(events.get(1).after().value()).isEqualTo(v1);
        assertThat(events.get(2).before().version()).isEqualTo(1);
        assertThat(store.get(Kind.SERVICES, "svc1")).isEmpty();

        sub.close();
        store.create(Kind.SERVICES, service("svc2", "api", 1));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> store.get(Kind.SERVICES, "svc2").isPresent());
        assertThat(events).hasSize(3);
    }

    @Test
    void aSecondStoreSeesTheFirstStoresWritesAndExistingObjectsAtStart(TestInfo info) throws Exception {
        store.create(Kind.SERVICES, service("svc1", "web", 1));
        try (CuratorFramework other = ZkSupport.client(server.getConnectString());
                Store second = new Store(other, root(info), Clock.systemUTC(), Duration.ofSeconds(5))) {
            second.start();
            assertThat(second.get(Kind.SERVICES, "svc1")).isPresent();
            second.create(Kind.SERVICES, service("svc2", "api", 1));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> store.get(Kind.SERVICES, "svc2").isPresent());
        }
    }

    @Test
    void lifecycleAllowsOneStartAndRefusesUseAfterClose(TestInfo info) throws Exception {
        assertThat(store.state()).isEqualTo(Lifecycle.State.STARTED);
        assertThatThrownBy(store::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("store: cannot be started more than once (state STARTED)");
        Store other = new Store(client, root(info), Clock.systemUTC(), Duration.ofSeconds(5));
        assertThatThrownBy(() -> other.list(Kind.SERVICES)).hasMessage("store: not started (state LATENT)");
        other.start();
        other.close();
        assertThat(other.state()).isEqualTo(Lifecycle.State.CLOSED);
        assertThatThrownBy(() -> other.list(Kind.SERVICES)).hasMessage("store: not started (state CLOSED)");
        assertThatThrownBy(other::start).hasMessage("store: cannot be started more than once (state CLOSED)");
    }

    @Test
    void firstClusterRecordWins() {
        assertThat(store.cluster()).isEmpty();
        ClusterSpec first = ClusterSpec.withPools("100.64.0.0/10");
        assertThat(store.initCluster(first)).isEqualTo(first);
        assertThat(store.initCluster(ClusterSpec.withPools("100.96.0.0/11"))).isEqualTo(first);
        assertThat(store.cluster()).contains(first);
    }

    @Test
    void unreadableZnodeIsSkippedWithoutStoppingTheView() throws Exception {
        client.create().forPath(store.layout().path(Kind.SERVICES, "junk"), "not json".getBytes());
        assertThatThrownBy(() -> store.read(Kind.SERVICES, "junk"))
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("service junk: stored JSON is unreadable");
        store.create(Kind.SERVICES, service("svc1", "web", 1));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> store.get(Kind.SERVICES, "svc1").isPresent());
        assertThat(store.get(Kind.SERVICES, "junk")).isEmpty();
    }
}
