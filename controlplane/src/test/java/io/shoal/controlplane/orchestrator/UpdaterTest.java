package io.shoal.controlplane.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.controlplane.SimAgents;
import io.shoal.controlplane.ZkStoreTest;
import io.shoal.controlplane.ZkSupport;
import io.shoal.controlplane.allocator.Allocator;
import io.shoal.controlplane.metrics.Metrics;
import io.shoal.controlplane.scheduler.Scheduler;
import io.shoal.controlplane.store.Kind;
import io.shoal.model.ClusterSpec;
import io.shoal.model.ContainerSpec;
import io.shoal.model.FailureAction;
import io.shoal.model.Meta;
import io.shoal.model.RestartCondition;
import io.shoal.model.RestartPolicy;
import io.shoal.model.Service;
import io.shoal.model.ServiceSpec;
import io.shoal.model.Task;
import io.shoal.model.TaskState;
import io.shoal.model.UpdateConfig;
import io.shoal.model.UpdateOrder;
import io.shoal.model.UpdateState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Rolling updates and rollbacks on real ZooKeeper with simulated agents reporting task states. */
class UpdaterTest extends ZkStoreTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration MONITOR = Duration.ofMillis(200);
    private Orchestrator orchestrator;
    private SimAgents agents;
    private final Metrics metrics = new Metrics();

    @BeforeEach
    void open() {
        for (String id : List.of("n1", "n2", "n3")) {
            ZkSupport.worker(store, id, Map.of());
        }
        agents = new SimAgents(store, "web");
        orchestrator = new Orchestrator(
                store,
                null,
                new Allocator(ClusterSpec.withPools("100.64.0.0/10")),
                Scheduler.defaults(),
                Clock.systemUTC(),
                metrics);
    }

    @AfterEach
    void closeAll() throws Exception {
        orchestrator.close();
        agents.close();
    }

    private static ServiceSpec spec(String image, UpdateConfig update) {
        ServiceSpec base = ServiceSpec.replicated("web", image, 3);
        return base.withTask(base.task()
                        .withRestartPolicy(
                                new RestartPolicy(RestartCondition.ANY, Duration.ofMillis(100), 1, Duration.ZERO)))
                .withUpdate(update)
                .withRollback(new UpdateConfig(1, null, FailureAction.PAUSE, MONITOR, 0, null));
    }

    private static UpdateConfig update(FailureAction action, UpdateOrder order) {
        return new UpdateConfig(1, Duration.ZERO, action, MONITOR, 0, order);
    }

    private List<Task> liveRunning() {
        return store.list(Kind.TASKS).stream()
                .filter(t -> t.serviceId().equals("web") && t.desiredState() == TaskState.RUNNING)
                .filter(t -> store.get(Kind.STATUS, t.id())
                        .map(st -> st.state() == TaskState.RUNNING)
                        .orElse(false))
                .toList();
    }

    private static List<String> images(List<Task> tasks) {
        return tasks.stream().map(t -> t.spec().container().image()).toList();
    }

    private Service web() {
        return store.get(Kind.SERVICES, "web").orElseThrow();
    }

    private void startWith(ServiceSpec spec) {
        store.create(Kind.SERVICES, Service.created(Meta.created("web", Instant.now()), spec));
        orchestrator.start();
        await().atMost(WAIT).until(() -> liveRunning().size() == 3);
    }

    private void updateTo(String image) {
        Service s = store.read(Kind.SERVICES, "web").orElseThrow().value();
        ServiceSpec next = s.spec().withTask(s.spec().task().withContainer(ContainerSpec.of(image)));
        store.update(Kind.SERVICES, s.updatedTo(next, Instant.now()));
    }

    @Test
    void stopFirstWithParallelismOneReplacesOneSlotAtATime() {
        startWith(spec("img:1", update(FailureAction.PAUSE, UpdateOrder.STOP_FIRST)));
        agents.startCounting();

        updateTo("img:2");

        await().atMost(WAIT).until(() -> web().updateStatus().state() == UpdateState.COMPLETED);
        assertThat(images(liveRunning())).containsExactly("img:2", "img:2", "img:2");
        assertThat(agents.minRunning())
                .as("running tasks never below replicas - 1")
                .isGreaterThanOrEqualTo(2);
        List<Task> updated = store.list(Kind.TASKS).stream()
                .filter(t -> t.spec().container().image().equals("img:2"))
                .sorted(Comparator.comparing((Task t) -> t.meta().createdAt()))
                .toList();
        assertThat(updated).extracting(Task::slot).containsExactlyInAnyOrder(1, 2, 3);
        for (int i = 1; i < updated.size(); i++) {
            Instant previousRunning = agents.runningSince(updated.get(i - 1).id());
            assertThat(updated.get(i).meta().createdAt())
                    .as(
                            "%s made only after %s ran",
                            updated.get(i).id(), updated.get(i - 1).id())
                    .isAfterOrEqualTo(previousRunning);
        }
        assertThat(metrics.value("shoal_controlplane_update_batches_total")).isEqualTo(3);
        assertThat(web().previousSpec().task().container().image()).isEqualTo("img:1");
    }

    @Test
    void startFirstRunsTheNewTaskBeforeStoppingTheOld() {
        startWith(spec("img:1", update(FailureAction.PAUSE, UpdateOrder.START_FIRST)));
        agents.startCounting();

        updateTo("img:2");

        await().atMost(WAIT).until(() -> web().updateStatus().state() == UpdateState.COMPLETED);
        assertThat(images(liveRunning())).containsExactly("img:2", "img:2", "img:2");
        assertThat(agents.minRunning())
                .as("start-first never drops below replicas")
                .isGreaterThanOrEqualTo(3);
    }

    @Test
    void failingNewVersionPausesTheUpdateAndLeavesTheOtherSlotsAlone() {
        startWith(spec("img:1", update(FailureAction.PAUSE, UpdateOrder.STOP_FIRST)));
        List<String> before = liveRunning().stream().map(Task::id).sorted().toList();

        updateTo("bad:2");

        await().atMost(WAIT).until(() -> web().updateStatus().state() == UpdateState.PAUSED);
        assertThat(web().updateStatus().message()).contains("update paused", "failed");
        await().during(Duration.ofMillis(800)).atMost(WAIT).until(() -> images(liveRunning())
                .equals(List.of("img:1", "img:1")));
        assertThat(before).containsAll(liveRunning().stream().map(Task::id).toList());
        assertThat(web().spec().task().container().image()).isEqualTo("bad:2");
    }

    @Test
    void failingNewVersionRollsBackToThePreviousSpec() {
        startWith(spec("img:1", update(FailureAction.ROLLBACK, UpdateOrder.STOP_FIRST)));

        updateTo("bad:2");

        await().atMost(WAIT).until(() -> web().updateStatus().state() == UpdateState.ROLLBACK_COMPLETED);
        assertThat(web().spec().task().container().image()).isEqualTo("img:1");
        assertThat(web().previousSpec().task().container().image()).isEqualTo("bad:2");
        await().atMost(WAIT).until(() -> liveRunning().size() == 3);
        assertThat(images(liveRunning())).containsOnly("img:1");
        assertThat(liveRunning()).extracting(Task::slot).containsExactlyInAnyOrder(1, 2, 3);
    }

    @Test
    void aReplicasOnlyChangeStartsNoUpdate() {
        startWith(spec("img:1", update(FailureAction.PAUSE, UpdateOrder.STOP_FIRST)));
        Service s = store.read(Kind.SERVICES, "web").orElseThrow().value();
        store.update(Kind.SERVICES, s.updatedTo(s.spec().withReplicas(4), Instant.now()));
        await().atMost(WAIT).until(() -> liveRunning().size() == 4);
        assertThat(web().updateStatus()).isNull();
        assertThat(metrics.value("shoal_controlplane_update_batches_total")).isZero();
    }

    @Test
    void continueReplacesEverySlotDespiteFailures() {
        startWith(spec("img:1", update(FailureAction.CONTINUE, UpdateOrder.STOP_FIRST)));

        updateTo("bad:2");

        await().atMost(WAIT).until(() -> web().updateStatus().state() == UpdateState.COMPLETED);
        assertThat(store.list(Kind.TASKS).stream()
                        .filter(t -> t.spec().container().image().equals("bad:2"))
                        .map(Task::slot)
                        .distinct())
                .containsExactlyInAnyOrder(1, 2, 3);
        assertThat(liveRunning()).isEmpty();
    }

    @Test
    void globalServiceIsUpdatedNodeByNode() {
        ServiceSpec global =
                ServiceSpec.global("web", "img:1").withUpdate(update(FailureAction.PAUSE, UpdateOrder.STOP_FIRST));
        startWith(global);
        agents.startCounting();

        updateTo("img:2");

        await().atMost(WAIT).until(() -> web().updateStatus().state() == UpdateState.COMPLETED);
        await().atMost(WAIT).until(() -> liveRunning().size() == 3);
        assertThat(images(liveRunning())).containsOnly("img:2");
        assertThat(liveRunning()).extracting(Task::nodeId).containsExactlyInAnyOrder("n1", "n2", "n3");
        assertThat(agents.minRunning()).isGreaterThanOrEqualTo(2);
        assertThat(metrics.value("shoal_controlplane_update_batches_total")).isEqualTo(3);
    }
}
