package io.shoal.controlplane.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.controlplane.ZkStoreTest;
import io.shoal.controlplane.allocator.Allocator;
import io.shoal.controlplane.api.Request;
import io.shoal.controlplane.api.Response;
import io.shoal.controlplane.api.docker.DockerApi;
import io.shoal.controlplane.metrics.Metrics;
import io.shoal.controlplane.scheduler.Scheduler;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Stored;
import io.shoal.controlplane.table.ServiceTables;
import io.shoal.model.ClusterSpec;
import io.shoal.model.Json;
import io.shoal.model.Meta;
import io.shoal.model.Network;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.Node;
import io.shoal.model.NodeState;
import io.shoal.model.RestartCondition;
import io.shoal.model.RestartPolicy;
import io.shoal.model.Service;
import io.shoal.model.ServiceSpec;
import io.shoal.model.Task;
import io.shoal.model.TaskState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ORPHANED tasks (Swarm's state of that name) on real ZooKeeper with simulated node records: the
 * tasks of a lost node that stays down past the orphan timeout, or of a removed node at once, are
 * ended by the leader, so their addresses are freed and the task history limit deletes them; a node
 * back in time orphans nothing; a late agent report does not undo it; tasks already reported ended
 * are left as they are.
 */
class OrphanedTasksTest extends ZkStoreTest {
    private static final Duration WAIT = Duration.ofSeconds(8);
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private Orchestrator orchestrator;
    private Allocator allocator;
    private final Metrics metrics = new Metrics();

    @BeforeEach
    void open() {
        workers("n1", "n2", "n3");
        overlay("net");
    }

    @AfterEach
    void closeAll() throws Exception {
        if (orchestrator != null) {
            orchestrator.close();
        }
    }

    private void start(int limit, Duration orphanTimeout) {
        allocator = new Allocator(ClusterSpec.withPools("100.64.0.0/10"));
        orchestrator = new Orchestrator(
                store, null, allocator, Scheduler.defaults(), Clock.systemUTC(), metrics, limit, orphanTimeout);
        orchestrator.start();
    }

    private void service(String name, long replicas, RestartCondition restart) {
        ServiceSpec spec = ServiceSpec.replicated(name, "img:1", replicas);
        spec = spec.withTask(spec.task()
                .withNetworks(List.of(NetworkAttachmentConfig.of("net", name)))
                .withRestartPolicy(new RestartPolicy(restart, Duration.ZERO, 0, null)));
        store.create(Kind.SERVICES, Service.created(Meta.created(name, Instant.now()), spec));
    }

    /** Marks a node DOWN (as the membership watcher does) and waits until the view shows it. */
    private void down(String nodeId) {
        moveNode(nodeId, NodeState.DOWN, "member record vanished");
    }

    private void ready(String nodeId) {
        moveNode(nodeId, NodeState.READY, "member is back");
    }

    private void moveNode(String nodeId, NodeState state, String why) {
        Node n = store.read(Kind.NODES, nodeId).orElseThrow().value();
        Node moved = store.update(Kind.NODES, n.withStatus(n.status().moveTo(state, why, Instant.now())));
        await().atMost(WAIT).until(() -> store.get(Kind.NODES, nodeId)
                .map(v -> v.version() >= moved.version())
                .orElse(false));
    }

    /** A task as ZooKeeper holds it (not the view), or null once deleted. */
    private Task stored(String id) {
        return store.read(Kind.TASKS, id).map(Stored::value).orElse(null);
    }

    private Stored<Task> storedWithVersion(String id) {
        return store.read(Kind.TASKS, id).orElseThrow();
    }

    private List<Task> tasks(String serviceId) {
        return store.readAll(Kind.TASKS).stream()
                .filter(t -> t.serviceId().equals(serviceId))
                .toList();
    }

    /** Tasks meant to run, assigned, not reported ended. */
    private List<Task> live(String serviceId) {
        return tasks(serviceId).stream()
                .filter(t -> t.desiredState() == TaskState.RUNNING && t.status().state() == TaskState.ASSIGNED)
                .filter(t -> store.read(Kind.STATUS, t.id())
                        .map(st -> !st.value().state().isTerminal())
                        .orElse(true))
                .toList();
    }

    private List<Task> on(String nodeId, List<Task> tasks) {
        return tasks.stream().filter(t -> t.nodeId().equals(nodeId)).toList();
    }

    private static Set<String> ids(List<Task> tasks) {
        return tasks.stream().map(Task::id).collect(Collectors.toSet());
    }

    /** Addresses in use on "net": the gateway, the VIPs and the tasks that hold one. */
    private int addressesInUse() {
        Network net = store.get(Kind.NETWORKS, "net").orElseThrow();
        return allocator.poolOf(net.id()).inUse();
    }

    private boolean orphaned(String id) {
        Task t = stored(id);
        return t != null && t.status().state() == TaskState.ORPHANED;
    }

    /** Runs the service's tasks (RUNNING reports) once each of its slots has one. */
    private List<Task> running(String serviceId, int replicas) {
        await().atMost(WAIT).until(() -> live(serviceId).size() == replicas);
        List<Task> tasks = live(serviceId);
        tasks.forEach(t -> report(t.id(), TaskState.RUNNING));
        return tasks;
    }

    @Test
    void aLostNodesTasksAreOrphanedAfterTheTimeoutFreeTheirAddressesAndAreReapedBeyondTheLimit() {
        service("web", 3, RestartCondition.ANY);
        start(2, TIMEOUT);
        List<Task> first = running("web", 3);
        Task gone = on("n1", first).get(0);
        assertThat(addressesInUse()).as("3 tasks, the gateway, the VIP").isEqualTo(5);

        down("n1");
        orchestrator.nodeLost("n1");
        long lostAt = System.nanoTime();
        await().atMost(WAIT)
                .until(() -> stored(gone.id()).desiredState() == TaskState.SHUTDOWN
                        && live("web").size() == 3
                        && !ids(live("web")).contains(gone.id()));
        // Replaced, but within the timeout its node may still come back: not ended, address kept.
        assertThat(stored(gone.id()).status().state()).isEqualTo(TaskState.ASSIGNED);
        assertThat(addressesInUse()).isEqualTo(6);

        await().atMost(WAIT).until(() -> orphaned(gone.id()));
        long tookMs = (System.nanoTime() - lostAt) / 1_000_000;
        assertThat(tookMs)
                .as("orphaned once the timeout expired, not before")
                .isGreaterThanOrEqualTo(TIMEOUT.toMillis() - 100);
        Task orphan = stored(gone.id());
        assertThat(orphan.status().message()).startsWith("orphaned: node n1 down since ");
        assertThat(orphan.desiredState()).isEqualTo(TaskState.SHUTDOWN);
        await().atMost(WAIT).until(() -> addressesInUse() == 5);
        assertThat(metrics.value("shoal_controlplane_tasks_orphaned_total")).isEqualTo(1);

        // The slot's replacement fails twice: limit 2 keeps the newest and the one before; the
        // orphan, the oldest ended task, is deleted first (it would stay for ever, were it not ended).
        int slot = gone.slot();
        for (int round = 0; round < 2; round++) {
            Task replacement = live("web").stream()
                    .filter(t -> t.slot() == slot)
                    .findFirst()
                    .orElseThrow();
            report(replacement.id(), TaskState.RUNNING);
            report(replacement.id(), TaskState.FAILED);
            await().atMost(WAIT).until(() -> live("web").stream()
                    .anyMatch(t -> t.slot() == slot && !t.id().equals(replacement.id())));
        }
        await().atMost(WAIT).until(() -> stored(gone.id()) == null);
        assertThat(tasks("web").stream().filter(t -> t.slot() == slot)).hasSize(2);
        assertThat(store.read(Kind.STATUS, gone.id()))
                .as("its report went with it")
                .isEmpty();
        await().atMost(WAIT).until(() -> addressesInUse() == 5);
    }

    @Test
    void aRemovedNodesTasksAreOrphanedAtOnce() {
        service("web", 3, RestartCondition.ANY);
        start(5, Orchestrator.DEFAULT_ORPHAN_TIMEOUT);
        List<Task> first = running("web", 3);
        Task gone = on("n2", first).get(0);

        down("n2");
        long removedAt = System.nanoTime();
        store.delete(
                Kind.NODES, "n2", store.read(Kind.NODES, "n2").orElseThrow().version());
        await().atMost(WAIT).until(() -> orphaned(gone.id()));
        long tookMs = (System.nanoTime() - removedAt) / 1_000_000;
        assertThat(tookMs).as("not after the 24 h timeout: at once").isLessThan(WAIT.toMillis());
        assertThat(stored(gone.id()).status().message()).isEqualTo("orphaned: node n2 removed");
        await().atMost(WAIT).until(() -> live("web").size() == 3 && addressesInUse() == 5);
        assertThat(live("web")).noneMatch(t -> t.nodeId().equals("n2"));
    }

    @Test
    void aNodeBackReadyBeforeTheTimeoutOrphansNothingWhileOneStillDownDoes() throws Exception {
        service("web", 3, RestartCondition.ANY);
        start(5, TIMEOUT);
        List<Task> first = running("web", 3);
        Task back = on("n1", first).get(0);
        Task stillDown = on("n2", first).get(0);

        down("n1");
        down("n2");
        orchestrator.nodeLost("n1");
        orchestrator.nodeLost("n2");
        await().atMost(WAIT)
                .until(() -> stored(back.id()).desiredState() == TaskState.SHUTDOWN
                        && stored(stillDown.id()).desiredState() == TaskState.SHUTDOWN);
        ready("n1");

        // n2's timeout expires (a pass booked for it runs); n1's would have at the same moment.
        await().atMost(WAIT).until(() -> orphaned(stillDown.id()));
        Thread.sleep(500); // past n1's first timeout too, and its booked pass
        Task kept = stored(back.id());
        assertThat(kept.status().state()).isEqualTo(TaskState.ASSIGNED);
        assertThat(kept.desiredState()).isEqualTo(TaskState.SHUTDOWN);
        assertThat(metrics.value("shoal_controlplane_tasks_orphaned_total")).isEqualTo(1);

        // Its agent, back, stops it and says so: it ends the usual way, addresses freed.
        report(back.id(), TaskState.SHUTDOWN);
        await().atMost(WAIT).until(() -> live("web").size() == 3 && addressesInUse() == 5);
    }

    @Test
    void aLateAgentReportDoesNotMoveAnOrphanedTaskBack() throws Exception {
        service("web", 3, RestartCondition.ANY);
        start(5, TIMEOUT);
        await().atMost(WAIT).until(() -> live("web").size() == 3);
        Task gone = on("n3", live("web")).get(0);
        report(gone.id(), TaskState.STARTING); // the agent's last word before its node went

        down("n3");
        orchestrator.nodeLost("n3");
        await().atMost(WAIT).until(() -> orphaned(gone.id()));
        Stored<Task> orphan = storedWithVersion(gone.id());

        // The node comes back; its agent reports what it saw meanwhile, then that it stopped it.
        ready("n3");
        report(gone.id(), TaskState.RUNNING);
        report(gone.id(), TaskState.SHUTDOWN);
        await().atMost(WAIT).until(() -> store.get(Kind.STATUS, gone.id())
                .map(st -> st.state() == TaskState.SHUTDOWN)
                .orElse(false));
        Thread.sleep(500); // passes the reports set off
        Stored<Task> after = storedWithVersion(gone.id());
        assertThat(after.version()).as("the record is left alone").isEqualTo(orphan.version());
        assertThat(after.value().status().state()).isEqualTo(TaskState.ORPHANED);
        assertThat(ServiceTables.observed(
                        after.value(), store.get(Kind.STATUS, gone.id()).orElseThrow()))
                .isEqualTo(TaskState.ORPHANED);
        // Not restarted: its slot has its one replacement, none more.
        assertThat(tasks("web").stream().filter(t -> t.slot() == gone.slot())).hasSize(2);
        assertThat(live("web")).hasSize(3);

        // docker service ps / docker inspect show it as Swarm does.
        Response r = new DockerApi(store, null, null).handle(new Request("GET", "/tasks/" + gone.id(), Map.of(), null));
        assertThat(r.status()).isEqualTo(200);
        JsonNode view = Json.mapper().readTree(r.body());
        assertThat(view.path("Status").path("State").asText()).isEqualTo("orphaned");
        assertThat(view.path("DesiredState").asText()).isEqualTo("shutdown");
    }

    @Test
    void tasksAlreadyReportedEndedAreLeftAsTheyAre() {
        service("web", 6, RestartCondition.ANY);
        start(5, TIMEOUT);
        List<Task> first = running("web", 6);
        List<Task> onN1 = on("n1", first);
        assertThat(onN1).hasSize(2);
        Task stopped = onN1.get(0);
        Task failed = onN1.get(1);
        Task firstOnN2 = on("n2", first).get(0);

        down("n1");
        down("n2");
        orchestrator.nodeLost("n1");
        orchestrator.nodeLost("n2");
        await().atMost(WAIT)
                .until(() -> stored(stopped.id()).desiredState() == TaskState.SHUTDOWN
                        && stored(failed.id()).desiredState() == TaskState.SHUTDOWN);
        // n1's agent still got to stop its tasks before it went: one stopped, one failed doing so.
        report(stopped.id(), TaskState.SHUTDOWN);
        report(failed.id(), TaskState.FAILED);
        Stored<Task> stoppedBefore = storedWithVersion(stopped.id());
        Stored<Task> failedBefore = storedWithVersion(failed.id());

        // n2's tasks are orphaned: the timeout expired for both nodes.
        await().atMost(WAIT).until(() -> orphaned(firstOnN2.id()));
        List<Task> onN2 = on("n2", tasks("web"));
        assertThat(onN2).allMatch(t -> t.status().state() == TaskState.ORPHANED);
        for (Stored<Task> before : List.of(stoppedBefore, failedBefore)) {
            Stored<Task> now = storedWithVersion(before.id());
            assertThat(now.version()).as("%s left alone", before.id()).isEqualTo(before.version());
            assertThat(now.value().status().state()).isEqualTo(TaskState.ASSIGNED);
        }
        assertThat(store.read(Kind.STATUS, stopped.id()).orElseThrow().value().state())
                .isEqualTo(TaskState.SHUTDOWN);
        assertThat(store.read(Kind.STATUS, failed.id()).orElseThrow().value().state())
                .isEqualTo(TaskState.FAILED);
        assertThat(metrics.value("shoal_controlplane_tasks_orphaned_total")).isEqualTo(onN2.size());
        // All six slots run on n3; the ended tasks of n1 and n2 hold no address any more.
        await().atMost(WAIT).until(() -> live("web").size() == 6 && addressesInUse() == 6 + 2);
    }
}
