package io.shoal.controlplane.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.shoal.controlplane.SimAgents;
import io.shoal.controlplane.ZkStoreTest;
import io.shoal.controlplane.allocator.Allocator;
import io.shoal.controlplane.metrics.Metrics;
import io.shoal.controlplane.scheduler.Scheduler;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Stored;
import io.shoal.model.Cidr;
import io.shoal.model.ClusterSpec;
import io.shoal.model.ContainerSpec;
import io.shoal.model.FailureAction;
import io.shoal.model.Meta;
import io.shoal.model.Network;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.Placement;
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
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The task history limit (Swarm's TaskHistoryRetentionLimit) on real ZooKeeper with simulated node
 * records: ended tasks deleted down to the limit per slot, ids never reused, restart counts and
 * rolling updates unaffected, addresses given back once.
 */
class TaskHistoryTest extends ZkStoreTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private Orchestrator orchestrator;
    private Allocator allocator;
    private SimAgents agents;
    private final Metrics metrics = new Metrics();
    private final ShiftedClock clock = new ShiftedClock();

    /** The system clock, moved forward on demand (the orchestrator's time: task creation, windows). */
    private static final class ShiftedClock extends Clock {
        private volatile Duration shift = Duration.ZERO;

        @Override
        public Instant instant() {
            return Instant.now().plus(shift);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @BeforeEach
    void open() {
        workers("n1", "n2");
        overlay("net");
    }

    @AfterEach
    void closeAll() throws Exception {
        if (orchestrator != null) {
            orchestrator.close();
        }
        if (agents != null) {
            agents.close();
        }
    }

    private Orchestrator start(int limit) {
        allocator = new Allocator(ClusterSpec.withPools("100.64.0.0/10"));
        orchestrator = new Orchestrator(store, null, allocator, Scheduler.defaults(), clock, metrics, limit);
        orchestrator.start();
        return orchestrator;
    }

    private static ServiceSpec onNet(ServiceSpec spec, RestartPolicy restart) {
        return spec.withTask(spec.task()
                .withNetworks(List.of(NetworkAttachmentConfig.of("net", spec.name())))
                .withRestartPolicy(restart));
    }

    private void service(ServiceSpec spec) {
        store.create(Kind.SERVICES, Service.created(Meta.created(spec.name(), Instant.now()), spec));
    }

    /** Tasks of a service in ZooKeeper (not the view). */
    private List<Task> stored(String serviceId) {
        return store.readAll(Kind.TASKS).stream()
                .filter(t -> t.serviceId().equals(serviceId))
                .toList();
    }

    private List<Task> liveAssigned(String serviceId) {
        return store.list(Kind.TASKS).stream()
                .filter(t -> t.serviceId().equals(serviceId) && t.desiredState() == TaskState.RUNNING)
                .filter(t -> t.status().state() == TaskState.ASSIGNED)
                .filter(t -> store.get(Kind.STATUS, t.id())
                        .map(st -> !st.state().isTerminal())
                        .orElse(true))
                .toList();
    }

    private static Set<String> ids(List<Task> tasks) {
        return tasks.stream().map(Task::id).collect(Collectors.toSet());
    }

    /** Per slot (or node, for a global service), the ids of the tasks stored. */
    private Map<String, Set<String>> slots(String serviceId) {
        return stored(serviceId).stream()
                .collect(Collectors.groupingBy(
                        t -> t.slot() > 0 ? Integer.toString(t.slot()) : t.nodeId(),
                        Collectors.mapping(Task::id, Collectors.toSet())));
    }

    private int addressesInUse() {
        Network net = store.get(Kind.NETWORKS, "net").orElseThrow();
        return allocator.poolOf(net.id()).inUse();
    }

    private long vips() {
        return store.list(Kind.SERVICES).stream()
                .filter(s -> s.endpoint() != null && s.endpoint().vipOn("net") != null)
                .count();
    }

    @Test
    void crashLoopingServicesKeepAtMostTheLimitPerSlotNeverReuseAnIdAndLeakNoAddress() throws Exception {
        RestartPolicy always = new RestartPolicy(RestartCondition.ANY, Duration.ZERO, 0, null);
        service(onNet(ServiceSpec.replicated("loop", "img:1", 2), always));
        service(onNet(ServiceSpec.global("everywhere", "img:1"), always));
        start(3);
        int rounds = 10;
        Set<String> seen = new HashSet<>();
        for (int round = 0; round <= rounds; round++) {
            await().atMost(WAIT)
                    .until(() -> liveAssigned("loop").size() == 2
                            && liveAssigned("everywhere").size() == 2);
            List<Task> live = new ArrayList<>(liveAssigned("loop"));
            live.addAll(liveAssigned("everywhere"));
            for (Task t : live) {
                assertThat(seen.add(t.id())).as("id %s is new", t.id()).isTrue();
            }
            if (round == rounds) {
                break;
            }
            for (Task t : live) {
                report(t.id(), TaskState.RUNNING);
                report(t.id(), TaskState.FAILED);
            }
            Set<String> ended = ids(live);
            await().atMost(WAIT)
                    .until(() -> liveAssigned("loop").size() == 2
                            && liveAssigned("everywhere").size() == 2
                            && ids(liveAssigned("loop")).stream().noneMatch(ended::contains)
                            && ids(liveAssigned("everywhere")).stream().noneMatch(ended::contains));
        }
        assertThat(ids(liveAssigned("loop"))).containsExactlyInAnyOrder("loop.1.10", "loop.2.10");
        assertThat(ids(liveAssigned("everywhere"))).containsExactlyInAnyOrder("everywhere.n1.10", "everywhere.n2.10");
        assertThat(seen).hasSize(4 * (rounds + 1));

        // Each slot and node keeps its 3 newest tasks in ZooKeeper; the rest went with their reports.
        await().atMost(WAIT).untilAsserted(() -> assertThat(slots("loop"))
                .isEqualTo(Map.of(
                        "1", Set.of("loop.1.8", "loop.1.9", "loop.1.10"),
                        "2", Set.of("loop.2.8", "loop.2.9", "loop.2.10"))));
        await().atMost(WAIT).untilAsserted(() -> assertThat(slots("everywhere"))
                .isEqualTo(Map.of(
                        "n1", Set.of("everywhere.n1.8", "everywhere.n1.9", "everywhere.n1.10"),
                        "n2", Set.of("everywhere.n2.8", "everywhere.n2.9", "everywhere.n2.10"))));
        Set<String> reports =
                Set.copyOf(client.getChildren().forPath(store.layout().folder(Kind.STATUS)));
        assertThat(reports).allSatisfy(id -> assertThat(id).matches(".*\\.(8|9)"));
        assertThat(reports).hasSize(8);
        assertThat(metrics.value("shoal_controlplane_tasks_deleted_total")).isEqualTo(4 * 8);

        // Addresses: the 4 live tasks, the gateway and the two VIPs; none of the 40 ended tasks'.
        assertThat(vips()).isEqualTo(2);
        assertThat(addressesInUse()).isEqualTo(4 + 1 + 2);
        Network net = store.get(Kind.NETWORKS, "net").orElseThrow();
        List<Task> live = new ArrayList<>(stored("loop"));
        live.addAll(stored("everywhere"));
        live.removeIf(t -> !t.id().endsWith(".10"));
        assertThat(live).hasSize(4).allSatisfy(t -> {
            Cidr address = t.addresses().get("net");
            assertThat(allocator.poolOf(net.id()).ownerOf(address)).isEqualTo(t.id());
        });
    }

    @Test
    void maxAttemptsStillStopsRestartsWhenTheLimitIsSmallerThanThem() {
        service(onNet(
                ServiceSpec.replicated("flaky", "img:1", 1),
                new RestartPolicy(RestartCondition.ANY, Duration.ZERO, 4, Duration.ZERO)));
        start(2);
        for (int attempt = 0; attempt <= 4; attempt++) {
            String id = "flaky.1." + attempt;
            await().atMost(WAIT).until(() -> ids(liveAssigned("flaky")).contains(id));
            report(id, TaskState.RUNNING);
            report(id, TaskState.FAILED);
        }
        // Four restarts made: the slot stays empty, and the tasks the count needs stay stored.
        await().during(Duration.ofSeconds(1)).atMost(WAIT).until(() -> liveAssigned("flaky")
                .isEmpty());
        assertThat(ids(stored("flaky")))
                .containsExactlyInAnyOrder("flaky.1.0", "flaky.1.1", "flaky.1.2", "flaky.1.3", "flaky.1.4");
        assertThat(orchestrator.reconcile()).isTrue();
        assertThat(ids(stored("flaky"))).hasSize(5).doesNotContain("flaky.1.5");
        assertThat(addressesInUse()).isEqualTo(1 + 1); // the gateway and the VIP
    }

    @Test
    void restartsWithinTheWindowStillCountOnceOlderTasksAreDeleted() {
        service(onNet(
                ServiceSpec.replicated("win", "img:1", 1),
                new RestartPolicy(RestartCondition.ANY, Duration.ZERO, 2, Duration.ofSeconds(10))));
        start(1);
        await().atMost(WAIT).until(() -> ids(liveAssigned("win")).contains("win.1.0"));
        report("win.1.0", TaskState.RUNNING);
        report("win.1.0", TaskState.FAILED);
        await().atMost(WAIT).until(() -> ids(liveAssigned("win")).contains("win.1.1"));

        // 20 s later both are outside the window: the next failure is restarted, and the task in
        // between (neither the first of its spec nor the newest nor in the window) is deleted.
        clock.shift = Duration.ofSeconds(20);
        report("win.1.1", TaskState.RUNNING);
        report("win.1.1", TaskState.FAILED);
        await().atMost(WAIT).until(() -> ids(liveAssigned("win")).contains("win.1.2"));
        await().atMost(WAIT).until(() -> !ids(stored("win")).contains("win.1.1"));
        assertThat(ids(stored("win"))).contains("win.1.0", "win.1.2");

        report("win.1.2", TaskState.RUNNING);
        report("win.1.2", TaskState.FAILED);
        await().atMost(WAIT).until(() -> ids(liveAssigned("win")).contains("win.1.3"));
        report("win.1.3", TaskState.RUNNING);
        report("win.1.3", TaskState.FAILED);
        // Two restarts (1.2 and 1.3) within the window: no more.
        await().during(Duration.ofSeconds(1)).atMost(WAIT).until(() -> liveAssigned("win")
                .isEmpty());
        assertThat(ids(stored("win"))).containsExactlyInAnyOrder("win.1.0", "win.1.2", "win.1.3");
    }

    @Test
    void rollingUpdatesConvergeWithALimitOfOne() {
        agents = new SimAgents(store, "web");
        ServiceSpec base = ServiceSpec.replicated("web", "img:1", 3);
        service(onNet(base, new RestartPolicy(RestartCondition.ANY, Duration.ZERO, 0, null))
                .withUpdate(new UpdateConfig(
                        1, Duration.ZERO, FailureAction.PAUSE, Duration.ofMillis(200), 0, UpdateOrder.STOP_FIRST)));
        start(1);
        for (String image : List.of("img:2", "img:3")) {
            await().atMost(WAIT).until(() -> runningImages("web").size() == 3);
            Service s = store.read(Kind.SERVICES, "web").orElseThrow().value();
            ServiceSpec next = s.spec().withTask(s.spec().task().withContainer(ContainerSpec.of(image)));
            store.update(Kind.SERVICES, s.updatedTo(next, Instant.now()));
            await().atMost(WAIT).until(() -> {
                Service now = store.get(Kind.SERVICES, "web").orElseThrow();
                return now.spec().task().container().image().equals(image)
                        && now.updateStatus() != null
                        && now.updateStatus().state() == UpdateState.COMPLETED;
            });
            await().atMost(WAIT).until(() -> runningImages("web").equals(List.of(image, image, image)));
        }
        // One task per slot once the old ones ended: the img:3 one, the third of its slot.
        await().atMost(WAIT).untilAsserted(() -> assertThat(slots("web"))
                .isEqualTo(Map.of(
                        "1", Set.of("web.1.2"),
                        "2", Set.of("web.2.2"),
                        "3", Set.of("web.3.2"))));
        assertThat(addressesInUse()).isEqualTo(3 + 1 + 1);
    }

    private List<String> runningImages(String serviceId) {
        return store.list(Kind.TASKS).stream()
                .filter(t -> t.serviceId().equals(serviceId) && t.desiredState() == TaskState.RUNNING)
                .filter(t -> store.get(Kind.STATUS, t.id())
                        .map(st -> st.state() == TaskState.RUNNING)
                        .orElse(false))
                .map(t -> t.spec().container().image())
                .sorted()
                .toList();
    }

    @Test
    void tasksOfARemovedServiceAreDeletedOnlyOnceTheirAgentsReportThemEnded() {
        service(onNet(
                ServiceSpec.replicated("gone", "img:1", 2),
                new RestartPolicy(RestartCondition.ANY, Duration.ZERO, 0, null)));
        start(5);
        await().atMost(WAIT).until(() -> liveAssigned("gone").size() == 2);
        Set<String> tasks = ids(liveAssigned("gone"));
        tasks.forEach(id -> report(id, TaskState.RUNNING));
        Stored<Service> svc = store.find(Kind.SERVICES, "gone").orElseThrow();
        store.delete(Kind.SERVICES, "gone", svc.version());

        await().atMost(WAIT).until(() -> stored("gone").stream().allMatch(t -> t.desiredState() == TaskState.SHUTDOWN));
        // Told to stop, not yet stopped: they stay.
        await().during(Duration.ofMillis(800)).atMost(WAIT).until(() -> ids(stored("gone"))
                .equals(tasks));
        tasks.forEach(id -> report(id, TaskState.SHUTDOWN));
        await().atMost(WAIT).until(() -> stored("gone").isEmpty());
        assertThat(store.readAll(Kind.STATUS)).isEmpty();
        assertThat(addressesInUse()).isEqualTo(1); // the gateway
    }

    @Test
    void pendingTasksToldToStopGiveTheirAddressesBack() {
        ServiceSpec spec = onNet(
                ServiceSpec.replicated("nowhere", "img:1", 3),
                new RestartPolicy(RestartCondition.ANY, Duration.ZERO, 0, null));
        service(spec.withTask(spec.task().withPlacement(Placement.constraints("node.labels.zone==none"))));
        start(5);
        await().atMost(WAIT)
                .until(() -> stored("nowhere").size() == 3
                        && stored("nowhere").stream()
                                .allMatch(t -> t.status().state() == TaskState.PENDING
                                        && !t.addresses().isEmpty()));
        await().atMost(WAIT).until(() -> addressesInUse() == 3 + 1 + 1);

        Service s = store.read(Kind.SERVICES, "nowhere").orElseThrow().value();
        store.update(Kind.SERVICES, s.updatedTo(s.spec().withReplicas(0)));
        await().atMost(WAIT).until(() -> addressesInUse() == 1 + 1);
        assertThat(stored("nowhere")).allMatch(t -> t.desiredState() == TaskState.SHUTDOWN);
    }

    @Test
    void aPassWhoseWritesFailDeletesNothingAndTheNextPassDoes() throws Exception {
        ServiceSpec base = ServiceSpec.replicated("r", "img:1", 1);
        ServiceSpec spec = base.withTask(
                base.task().withRestartPolicy(new RestartPolicy(RestartCondition.ANY, Duration.ZERO, 0, null)));
        service(spec);
        Instant t0 = Instant.now().minusSeconds(60);
        store.create(
                Kind.TASKS,
                Task.forSlot(Meta.created("r.1.3", t0.plusSeconds(3)), "r", 0, 1, spec.task())
                        .assignedTo("n1", t0));
        // Not started: the test runs the passes itself. A first pass allocates the network and
        // writes n1's assignment list, so that the pass in the outage has only the deletes to write.
        orchestrator = new Orchestrator(
                store,
                null,
                new Allocator(ClusterSpec.withPools("100.64.0.0/10")),
                Scheduler.defaults(),
                clock,
                metrics,
                2);
        await().atMost(WAIT).until(() -> store.list(Kind.TASKS).size() == 1 && orchestrator.reconcile());
        for (int n = 0; n < 3; n++) {
            Instant at = t0.plusSeconds(n);
            store.create(
                    Kind.TASKS,
                    Task.forSlot(Meta.created("r.1." + n, at), "r", 0, 1, spec.task())
                            .assignedTo("n1", at)
                            .withDesiredState(TaskState.SHUTDOWN));
            report("r.1." + n, TaskState.SHUTDOWN);
        }
        await().atMost(WAIT)
                .until(() -> store.list(Kind.TASKS).size() == 4
                        && store.ids(Kind.STATUS).size() == 3);

        server.stop();
        try {
            await().atMost(WAIT).until(() -> !store.connected());
            assertThat(orchestrator.reconcile()).as("a pass whose writes fail").isFalse();
        } finally {
            server.restart();
        }
        await().atMost(WAIT).until(store::connected);
        assertThat(ids(stored("r"))).containsExactlyInAnyOrder("r.1.0", "r.1.1", "r.1.2", "r.1.3");
        assertThat(store.readAll(Kind.STATUS)).hasSize(3);
        assertThat(metrics.value("shoal_controlplane_tasks_deleted_total")).isZero();

        await().atMost(WAIT)
                .until(() -> orchestrator.reconcile() && ids(stored("r")).size() == 2);
        assertThat(ids(stored("r"))).containsExactlyInAnyOrder("r.1.2", "r.1.3");
        assertThat(client.getChildren().forPath(store.layout().folder(Kind.STATUS)))
                .containsExactly("r.1.2");
        assertThat(metrics.value("shoal_controlplane_tasks_deleted_total")).isEqualTo(2);
    }

    @Test
    void aLimitBelowOneIsRefused() {
        assertThatThrownBy(() -> new Orchestrator(
                        store,
                        null,
                        new Allocator(ClusterSpec.withPools("100.64.0.0/10")),
                        Scheduler.defaults(),
                        Clock.systemUTC(),
                        metrics,
                        0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("taskHistoryLimit: 0 must be at least 1 (a slot always keeps its newest task)");
    }
}
