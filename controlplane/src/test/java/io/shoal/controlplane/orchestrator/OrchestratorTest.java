package io.shoal.controlplane.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.controlplane.ZkStoreTest;
import io.shoal.controlplane.ZkSupport;
import io.shoal.controlplane.allocator.Allocator;
import io.shoal.controlplane.scheduler.Scheduler;
import io.shoal.controlplane.store.Fence;
import io.shoal.controlplane.store.Kind;
import io.shoal.model.Cidr;
import io.shoal.model.ClusterSpec;
import io.shoal.model.Meta;
import io.shoal.model.Network;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.NetworkSpec;
import io.shoal.model.Node;
import io.shoal.model.NodeAvailability;
import io.shoal.model.NodeState;
import io.shoal.model.NodeStatus;
import io.shoal.model.RestartCondition;
import io.shoal.model.RestartPolicy;
import io.shoal.model.Service;
import io.shoal.model.ServiceSpec;
import io.shoal.model.Task;
import io.shoal.model.TaskState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The orchestrator on real ZooKeeper with simulated nodes (node records written as membership would). */
class OrchestratorTest extends ZkStoreTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private Orchestrator orchestrator;

    @AfterEach
    void closeAll() throws Exception {
        if (orchestrator != null) {
            orchestrator.close();
        }
    }

    private Orchestrator orchestrator(Fence fence) {
        orchestrator = new Orchestrator(
                store,
                fence,
                new Allocator(ClusterSpec.withPools("100.64.0.0/10")),
                Scheduler.defaults(),
                Clock.systemUTC());
        return orchestrator;
    }

    private void node(String id, Map<String, String> labels) {
        ZkSupport.worker(store, id, labels);
    }

    private void changeNode(String id, Function<Node, Node> change) {
        Node n = store.read(Kind.NODES, id).orElseThrow().value();
        store.update(Kind.NODES, change.apply(n));
    }

    private Service service(String id, ServiceSpec spec) {
        return store.create(Kind.SERVICES, Service.created(Meta.created(id, Instant.now()), spec));
    }

    private void scale(String id, long replicas) {
        Service s = store.read(Kind.SERVICES, id).orElseThrow().value();
        store.update(Kind.SERVICES, s.updatedTo(s.spec().withReplicas(replicas)));
    }

    private List<Task> live(String serviceId) {
        return store.list(Kind.TASKS).stream()
                .filter(t -> t.serviceId().equals(serviceId) && t.desiredState() == TaskState.RUNNING)
                .filter(t -> store.get(Kind.STATUS, t.id())
                        .map(st -> !st.state().isTerminal())
                        .orElse(true))
                .toList();
    }

    private static Map<String, Long> perNode(List<Task> tasks) {
        return tasks.stream().collect(Collectors.groupingBy(Task::nodeId, Collectors.counting()));
    }

    private boolean allAssigned(List<Task> tasks) {
        return tasks.stream().allMatch(t -> t.status().state() == TaskState.ASSIGNED);
    }

    @Test
    void replicatedServiceGetsOneAssignedTaskPerSlotSpreadWithAddressesAndAVip() {
        node("n1", Map.of());
        node("n2", Map.of());
        node("n3", Map.of());
        store.create(
                Kind.NETWORKS,
                Network.unallocated(Meta.created("net1", Instant.now()), NetworkSpec.overlay("backend")));
        ServiceSpec spec = ServiceSpec.replicated("web", "img:1", 3);
        service("web", spec.withTask(spec.task().withNetworks(List.of(NetworkAttachmentConfig.of("backend", "www")))));
        orchestrator(null).start();

        await().atMost(WAIT).until(() -> live("web").size() == 3 && allAssigned(live("web")));
        List<Task> tasks = live("web");
        assertThat(tasks).extracting(Task::slot).containsExactlyInAnyOrder(1, 2, 3);
        assertThat(perNode(tasks)).containsOnlyKeys("n1", "n2", "n3");
        Network net = store.read(Kind.NETWORKS, "net1").orElseThrow().value();
        assertThat(net.vni()).isEqualTo(4096);
        assertThat(net.subnet()).isEqualTo(Cidr.parse("s", "100.64.0.0/24"));
        await().atMost(WAIT)
                .until(() ->
                        store.get(Kind.SERVICES, "web").orElseThrow().endpoint().vipOn("net1") != null);
        Cidr vip = store.get(Kind.SERVICES, "web").orElseThrow().endpoint().vipOn("net1");
        Set<Cidr> addresses = new HashSet<>();
        addresses.add(vip);
        for (Task t : tasks) {
            assertThat(net.subnet().contains(t.addresses().get("net1").address()))
                    .isTrue();
            assertThat(addresses.add(t.addresses().get("net1")))
                    .as("address of %s is unique", t.id())
                    .isTrue();
        }
    }

    @Test
    void scalingUpAddsSlotsAndScalingDownShutsTheHighestSlotsDown() {
        node("n1", Map.of());
        node("n2", Map.of());
        service("web", ServiceSpec.replicated("web", "img:1", 2));
        orchestrator(null).start();
        await().atMost(WAIT).until(() -> live("web").size() == 2 && allAssigned(live("web")));

        scale("web", 5);
        await().atMost(WAIT).until(() -> live("web").size() == 5 && allAssigned(live("web")));
        assertThat(perNode(live("web")).values()).containsExactlyInAnyOrder(3L, 2L);

        scale("web", 1);
        await().atMost(WAIT).until(() -> live("web").size() == 1);
        assertThat(live("web").get(0).slot()).isEqualTo(1);
        assertThat(store.list(Kind.TASKS).stream().filter(t -> t.desiredState() == TaskState.SHUTDOWN))
                .extracting(Task::slot)
                .containsExactlyInAnyOrder(2, 3, 4, 5);
    }

    private List<Task> inState(String serviceId, TaskState state) {
        return live(serviceId).stream().filter(t -> t.status().state() == state).toList();
    }

    @Test
    void tasksBeyondAFullSubnetWaitPendingSayingWhyAndTakeAnAddressOnceOneIsFree() {
        node("n1", Map.of());
        node("n2", Map.of());
        store.create(
                Kind.NETWORKS,
                Network.unallocated(
                        Meta.created("small", Instant.now()), NetworkSpec.overlay("small", "100.64.9.0/29")));
        // A /29 has 6 host addresses: the gateway keeps one, the service's VIP takes one, 4 are left.
        ServiceSpec spec = ServiceSpec.replicated("web", "img:1", 6);
        service(
                "web",
                spec.withTask(spec.task()
                        .withNetworks(List.of(NetworkAttachmentConfig.of("small", "web")))
                        .withRestartPolicy(new RestartPolicy(RestartCondition.NONE, null, 0, null))));
        orchestrator(null).start();

        await().atMost(WAIT)
                .until(() -> live("web").size() == 6
                        && inState("web", TaskState.ASSIGNED).size() == 4
                        && inState("web", TaskState.PENDING).size() == 2);
        assertThat(store.get(Kind.SERVICES, "web").orElseThrow().endpoint().vipOn("small"))
                .as("the service itself was reconciled: it has its VIP")
                .isNotNull();
        assertThat(inState("web", TaskState.PENDING)).allSatisfy(t -> {
            assertThat(t.addresses()).isEmpty();
            assertThat(t.nodeId()).isEmpty();
            assertThat(t.status().message())
                    .contains("no address")
                    .contains("'small'")
                    .contains("100.64.9.0/29")
                    .contains("in use");
        });
        List<Task> assigned = inState("web", TaskState.ASSIGNED);
        assertThat(assigned.stream().map(t -> t.addresses().get("small")).distinct())
                .hasSize(4);

        // One task ends for good (restart condition none): its address goes to a waiting task.
        Task gone = assigned.get(0);
        report(gone.id(), TaskState.RUNNING);
        report(gone.id(), TaskState.FAILED);
        await().atMost(WAIT)
                .until(() -> inState("web", TaskState.ASSIGNED).size() == 4
                        && inState("web", TaskState.PENDING).size() == 1
                        && inState("web", TaskState.ASSIGNED).stream().noneMatch(t -> t.id().equals(gone.id())));
        List<Task> now = inState("web", TaskState.ASSIGNED);
        assertThat(now.stream().map(t -> t.addresses().get("small")))
                .doesNotHaveDuplicates()
                .contains(gone.addresses().get("small"));
    }

    /** Per node, the ids of its tasks to run, as the orchestrator wrote them. */
    private Map<String, List<String>> assignmentLists() {
        Map<String, List<String>> out = new HashMap<>();
        for (String node : store.ids(Kind.ASSIGNMENTS)) {
            out.put(node, store.get(Kind.ASSIGNMENTS, node).orElseThrow().tasks());
        }
        return out;
    }

    /** Per node, the ids of its tasks whose desired state is RUNNING, from the tasks themselves. */
    private Map<String, List<String>> expectedLists(Set<String> nodes) {
        Map<String, List<String>> out = new HashMap<>();
        nodes.forEach(n -> out.put(n, new ArrayList<>()));
        for (Task t : store.list(Kind.TASKS)) {
            if (!t.nodeId().isEmpty() && t.desiredState() == TaskState.RUNNING) {
                out.get(t.nodeId()).add(t.id());
            }
        }
        out.values().forEach(l -> l.sort(null));
        return out;
    }

    @Test
    void everyNodesAssignmentListNamesExactlyItsTasksToRunThroughScaleAndNodeLoss() {
        node("n1", Map.of());
        node("n2", Map.of());
        node("n3", Map.of());
        service("web", ServiceSpec.replicated("web", "img:1", 6));
        service("api", ServiceSpec.replicated("api", "img:1", 2));
        orchestrator(null).start();
        Set<String> nodes = Set.of("n1", "n2", "n3");
        await().atMost(WAIT).until(() -> live("web").size() == 6 && live("api").size() == 2);
        await().atMost(WAIT).untilAsserted(() -> assertThat(assignmentLists()).isEqualTo(expectedLists(nodes)));
        assertThat(assignmentLists().values().stream().mapToInt(List::size).sum())
                .isEqualTo(8);
        int versionBefore = store.find(Kind.ASSIGNMENTS, "n1").orElseThrow().version();

        scale("web", 3);
        await().atMost(WAIT).until(() -> live("web").size() == 3);
        await().atMost(WAIT).untilAsserted(() -> assertThat(assignmentLists()).isEqualTo(expectedLists(nodes)));
        assertThat(assignmentLists().values().stream().mapToInt(List::size).sum())
                .isEqualTo(5);

        // A lost node: its tasks leave its list (told to stop) and appear on the others' lists.
        List<String> onN3 = live("web").stream()
                .filter(t -> t.nodeId().equals("n3"))
                .map(Task::id)
                .toList();
        changeNode("n3", n -> n.withStatus(NodeStatus.of(NodeState.DOWN, "gone", Instant.now())));
        orchestrator.nodeLost("n3");
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(assignmentLists().get("n3")).isEmpty());
        await().atMost(WAIT).untilAsserted(() -> assertThat(assignmentLists()).isEqualTo(expectedLists(nodes)));
        assertThat(assignmentLists().get("n1")).doesNotContainAnyElementsOf(onN3);
        assertThat(assignmentLists().values().stream().mapToInt(List::size).sum())
                .isEqualTo(5);

        // Nothing changes: a pass writes no list again.
        int versionNow = store.find(Kind.ASSIGNMENTS, "n1").orElseThrow().version();
        assertThat(versionNow).isGreaterThanOrEqualTo(versionBefore);
        assertThat(orchestrator.reconcile()).isTrue();
        assertThat(store.read(Kind.ASSIGNMENTS, "n1").orElseThrow().version()).isEqualTo(versionNow);
    }

    @Test
    void tasksOfALostNodeAreReplacedOnTheOthersAndItGetsWorkAgainOnceBack() {
        node("n1", Map.of());
        node("n2", Map.of());
        service("web", ServiceSpec.replicated("web", "img:1", 4));
        Orchestrator o = orchestrator(null);
        o.start();
        await().atMost(WAIT).until(() -> live("web").size() == 4 && allAssigned(live("web")));
        Set<String> onN1 = live("web").stream()
                .filter(t -> t.nodeId().equals("n1"))
                .map(Task::id)
                .collect(Collectors.toSet());
        assertThat(onN1).hasSize(2);

        // What membership does: DOWN at once, lost after the grace period.
        changeNode("n1", n -> n.withStatus(NodeStatus.of(NodeState.DOWN, "member record vanished", Instant.now())));
        o.nodeLost("n1");
        await().atMost(WAIT)
                .until(() -> live("web").size() == 4
                        && allAssigned(live("web"))
                        && live("web").stream().allMatch(t -> t.nodeId().equals("n2")));
        for (String id : onN1) {
            assertThat(store.get(Kind.TASKS, id).orElseThrow().desiredState()).isEqualTo(TaskState.SHUTDOWN);
        }
        assertThat(live("web")).extracting(Task::slot).containsExactlyInAnyOrder(1, 2, 3, 4);

        // n1 comes back (its member record again): it gets work when the service scales.
        changeNode("n1", n -> n.withStatus(NodeStatus.of(NodeState.READY, "member record present", Instant.now())));
        scale("web", 6);
        await().atMost(WAIT).until(() -> live("web").size() == 6 && allAssigned(live("web")));
        assertThat(perNode(live("web"))).containsEntry("n1", 2L).containsEntry("n2", 4L);
    }

    @Test
    void aFailedTaskIsReplacedInItsSlotUnlessTheRestartConditionIsNone() {
        node("n1", Map.of());
        ServiceSpec web = ServiceSpec.replicated("web", "img:1", 1);
        service(
                "web",
                web.withTask(
                        web.task().withRestartPolicy(new RestartPolicy(RestartCondition.ANY, Duration.ZERO, 0, null))));
        ServiceSpec once = ServiceSpec.replicated("once", "img:1", 1);
        service(
                "once",
                once.withTask(once.task().withRestartPolicy(new RestartPolicy(RestartCondition.NONE, null, 0, null))));
        orchestrator(null).start();
        await().atMost(WAIT).until(() -> live("web").size() == 1 && live("once").size() == 1);
        Task first = live("web").get(0);
        Task onceTask = live("once").get(0);

        report(first.id(), TaskState.RUNNING);
        report(first.id(), TaskState.FAILED);
        report(onceTask.id(), TaskState.RUNNING);
        report(onceTask.id(), TaskState.COMPLETE);
        await().atMost(WAIT)
                .until(() -> live("web").size() == 1 && !live("web").get(0).id().equals(first.id()));
        Task second = live("web").get(0);
        assertThat(second.slot()).isEqualTo(1);
        assertThat(second.id()).isEqualTo("web.1.1");
        // As in Swarm: the failed task, once replaced, is told to stop (nothing waits for it any
        // more), in the same write as its replacement.
        assertThat(store.read(Kind.TASKS, first.id()).orElseThrow().value().desiredState())
                .isEqualTo(TaskState.SHUTDOWN);
        await().during(Duration.ofSeconds(1)).atMost(WAIT).until(() -> live("once")
                .isEmpty());
        // Not replaced: it stays as it ended, the slot's last word.
        assertThat(store.read(Kind.TASKS, onceTask.id()).orElseThrow().value().desiredState())
                .isEqualTo(TaskState.RUNNING);
    }

    @Test
    void restartsWaitForTheDelayAndStopAfterMaxAttempts() {
        node("n1", Map.of());
        ServiceSpec spec = ServiceSpec.replicated("flaky", "img:1", 1);
        Duration delay = Duration.ofSeconds(1);
        service(
                "flaky",
                spec.withTask(spec.task().withRestartPolicy(new RestartPolicy(RestartCondition.ANY, delay, 2, null))));
        orchestrator(null).start();
        for (int attempt = 0; attempt < 3; attempt++) {
            String id = "flaky.1." + attempt;
            await().atMost(WAIT).until(() -> live("flaky").stream().anyMatch(t -> t.id().equals(id)));
            report(id, TaskState.RUNNING);
            report(id, TaskState.FAILED);
            Instant failedAt = store.read(Kind.STATUS, id).orElseThrow().value().timestamp();
            if (attempt < 2) {
                String next = "flaky.1." + (attempt + 1);
                await().atMost(WAIT).until(() -> store.get(Kind.TASKS, next).isPresent());
                Instant createdAt =
                        store.get(Kind.TASKS, next).orElseThrow().meta().createdAt();
                assertThat(Duration.between(failedAt, createdAt)).isGreaterThanOrEqualTo(delay);
            }
        }
        // Two restarts used up: the slot stays empty.
        await().during(delay.plusMillis(800)).atMost(WAIT).until(() -> live("flaky")
                .isEmpty());
        assertThat(store.get(Kind.TASKS, "flaky.1.3")).isEmpty();
    }

    @Test
    void globalServiceFollowsNodesAsTheyComeAndAreDrained() {
        node("n1", Map.of("zone", "a"));
        node("n2", Map.of("zone", "a"));
        node("n3", Map.of("zone", "b"));
        service("agent", ServiceSpec.global("agent", "img:1"));
        orchestrator(null).start();
        await().atMost(WAIT).until(() -> live("agent").size() == 3 && allAssigned(live("agent")));
        assertThat(perNode(live("agent"))).containsOnlyKeys("n1", "n2", "n3");

        node("n4", Map.of());
        await().atMost(WAIT).until(() -> perNode(live("agent")).containsKey("n4"));

        changeNode("n2", n -> n.withSpec(n.spec().withAvailability(NodeAvailability.DRAIN)));
        await().atMost(WAIT).until(() -> !perNode(live("agent")).containsKey("n2"));
        assertThat(perNode(live("agent"))).containsOnlyKeys("n1", "n3", "n4");
    }

    @Test
    void drainingANodeStartsTheReplacementBeforeStoppingTheOldTask() {
        node("n1", Map.of());
        node("n2", Map.of());
        service("web", ServiceSpec.replicated("web", "img:1", 2));
        orchestrator(null).start();
        await().atMost(WAIT).until(() -> live("web").size() == 2 && allAssigned(live("web")));
        Task onN1 = live("web").stream()
                .filter(t -> t.nodeId().equals("n1"))
                .findFirst()
                .orElseThrow();
        report(onN1.id(), TaskState.RUNNING);

        changeNode("n1", n -> n.withSpec(n.spec().withAvailability(NodeAvailability.DRAIN)));
        await().atMost(WAIT).until(() -> live("web").size() == 3);
        Task replacement = live("web").stream()
                .filter(t -> t.slot() == onN1.slot() && !t.id().equals(onN1.id()))
                .findFirst()
                .orElseThrow();
        assertThat(replacement.nodeId()).isEqualTo("n2");
        await().during(Duration.ofMillis(800))
                .atMost(WAIT)
                .until(() -> store.get(Kind.TASKS, onN1.id()).orElseThrow().desiredState() == TaskState.RUNNING);

        report(replacement.id(), TaskState.RUNNING);
        await().atMost(WAIT)
                .until(() -> store.get(Kind.TASKS, onN1.id()).orElseThrow().desiredState() == TaskState.SHUTDOWN);
        assertThat(live("web")).allMatch(t -> t.nodeId().equals("n2")).hasSize(2);
    }

    @Test
    void anOrchestratorWithAStaleFenceWritesNothing() {
        node("n1", Map.of());
        service("web", ServiceSpec.replicated("web", "img:1", 2));
        await().atMost(WAIT)
                .until(() -> store.get(Kind.SERVICES, "web").isPresent()
                        && store.get(Kind.NODES, "n1").isPresent());
        Fence stale = new Fence(store.layout().epoch(), 7, "old-leader", () -> true);
        assertThat(orchestrator(stale).reconcile()).isFalse();
        assertThat(store.read(Kind.TASKS, "web.1.0")).isEmpty();
        assertThat(store.list(Kind.TASKS)).isEmpty();
    }
}
