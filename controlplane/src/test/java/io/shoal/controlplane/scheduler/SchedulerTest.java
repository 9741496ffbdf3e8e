package io.shoal.controlplane.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.model.Meta;
import io.shoal.model.Node;
import io.shoal.model.NodeAvailability;
import io.shoal.model.NodeDescription;
import io.shoal.model.NodeRole;
import io.shoal.model.NodeSpec;
import io.shoal.model.NodeState;
import io.shoal.model.NodeStatus;
import io.shoal.model.Placement;
import io.shoal.model.PlacementPreference;
import io.shoal.model.PortConfig;
import io.shoal.model.Protocol;
import io.shoal.model.PublishMode;
import io.shoal.model.ResourceRequirements;
import io.shoal.model.Resources;
import io.shoal.model.TaskSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    static Node node(
            String id, NodeRole role, NodeAvailability availability, NodeState state, Map<String, String> labels) {
        return new Node(
                Meta.created(id, Instant.EPOCH),
                new NodeSpec("", role, availability, labels),
                new NodeDescription("host-" + id, List.of("198.18.0.1"), Resources.of(2, 2048)),
                NodeStatus.of(state, "", Instant.EPOCH));
    }

    static NodeInfo ready(String id, Map<String, String> labels) {
        return new NodeInfo(node(id, NodeRole.WORKER, NodeAvailability.ACTIVE, NodeState.READY, labels));
    }

    static List<NodeInfo> readyNodes(int count) {
        List<NodeInfo> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(ready(String.format("n%03d", i), Map.of()));
        }
        return out;
    }

    static List<TaskRequest> tasks(String service, int count, TaskSpec spec, PortConfig... hostPorts) {
        List<TaskRequest> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(new TaskRequest(service + "-t" + i, service, spec, List.of(hostPorts)));
        }
        return out;
    }

    static Map<String, Long> perNode(List<Decision> decisions) {
        return decisions.stream()
                .filter(Decision::placed)
                .collect(Collectors.groupingBy(Decision::nodeId, TreeMap::new, Collectors.counting()));
    }

    @Test
    void spreadKeepsEveryNodeWithinOneTaskOfTheOthersForAnyClusterSize() {
        Random sizes = new Random(7);
        for (int round = 0; round < 25; round++) {
            int nodes = 1 + sizes.nextInt(20);
            int count = sizes.nextInt(200);
            List<NodeInfo> cluster = readyNodes(nodes);
            List<Decision> d = Scheduler.defaults().schedule(tasks("web", count, TaskSpec.of("img")), cluster);
            assertThat(d).allMatch(Decision::placed);
            int max = cluster.stream().mapToInt(n -> n.tasksOf("web")).max().orElse(0);
            int min = cluster.stream().mapToInt(n -> n.tasksOf("web")).min().orElse(0);
            assertThat(max - min).as("%d tasks on %d nodes", count, nodes).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void spreadFillsTheEmptiestNodesFirstAndBreaksTiesByTotalLoad() {
        List<NodeInfo> cluster = readyNodes(3);
        TaskSpec spec = TaskSpec.of("img");
        // n000 already runs 2 tasks of web; n001 runs 3 tasks of another service.
        cluster.get(0)
                .add(new TaskRequest("old1", "web", spec, List.of()))
                .add(new TaskRequest("old2", "web", spec, List.of()));
        for (int i = 0; i < 3; i++) {
            cluster.get(1).add(new TaskRequest("db" + i, "db", spec, List.of()));
        }
        List<Decision> d = Scheduler.defaults().schedule(tasks("web", 4, spec), cluster);
        assertThat(d).extracting(Decision::nodeId).containsExactly("n002", "n001", "n002", "n001");
        assertThat(cluster).allSatisfy(n -> assertThat(n.tasksOf("web")).isEqualTo(2));
    }

    @Test
    void nodesThatAreDownPausedOrDrainedGetNothingAndTheReasonCountsThem() {
        List<NodeInfo> cluster = List.of(
                ready("ok", Map.of()),
                new NodeInfo(node("down", NodeRole.WORKER, NodeAvailability.ACTIVE, NodeState.DOWN, Map.of())),
                new NodeInfo(node("paused", NodeRole.WORKER, NodeAvailability.PAUSE, NodeState.READY, Map.of())),
                new NodeInfo(node("drained", NodeRole.WORKER, NodeAvailability.DRAIN, NodeState.READY, Map.of())));
        assertThat(perNode(Scheduler.defaults().schedule(tasks("web", 5, TaskSpec.of("img")), cluster)))
                .containsOnlyKeys("ok");
        Decision none = Scheduler.defaults()
                .schedule(tasks("web", 1, TaskSpec.of("img")).get(0), cluster.subList(1, 4));
        assertThat(none.placed()).isFalse();
        assertThat(none.reason()).isEqualTo("no suitable node (not ready on 1 node; not active on 2 nodes)");
        assertThat(Scheduler.defaults()
                        .schedule(tasks("web", 1, TaskSpec.of("img")).get(0), List.of())
                        .reason())
                .isEqualTo("no suitable node (no nodes)");
    }

    @Test
    void constraintsOnLabelsAndRolesAreHonoured() {
        List<NodeInfo> cluster = List.of(
                ready("a1", Map.of("zone", "a")),
                ready("a2", Map.of("zone", "a")),
                ready("b1", Map.of("zone", "b")),
                new NodeInfo(
                        node("m1", NodeRole.MANAGER, NodeAvailability.ACTIVE, NodeState.READY, Map.of("zone", "a"))));
        TaskSpec zoneA =
                TaskSpec.of("img").withPlacement(Placement.constraints("node.labels.zone==a", "node.role!=manager"));
        assertThat(perNode(Scheduler.defaults().schedule(tasks("web", 6, zoneA), cluster)))
                .containsExactly(Map.entry("a1", 3L), Map.entry("a2", 3L));
        TaskSpec managers = TaskSpec.of("img").withPlacement(Placement.constraints("node.role==manager"));
        assertThat(perNode(Scheduler.defaults().schedule(tasks("ctl", 2, managers), cluster)))
                .containsOnlyKeys("m1");
        TaskSpec nowhere = TaskSpec.of("img").withPlacement(Placement.constraints("node.labels.zone==c"));
        assertThat(Scheduler.defaults()
                        .schedule(tasks("x", 1, nowhere).get(0), cluster)
                        .reason())
                .isEqualTo("no suitable node (scheduling constraints not satisfied on 4 nodes)");
    }

    @Test
    void reservationsAreCountedAndNodesDoNotOverfill() {
        List<NodeInfo> cluster = readyNodes(2); // 2 CPUs, 2 GiB each
        TaskSpec big = TaskSpec.of("img").withResources(new ResourceRequirements(Resources.of(1, 512), null));
        List<Decision> d = Scheduler.defaults().schedule(tasks("web", 5, big), cluster);
        assertThat(d.subList(0, 4)).allMatch(Decision::placed);
        assertThat(perNode(d)).containsExactly(Map.entry("n000", 2L), Map.entry("n001", 2L));
        assertThat(d.get(4).reason()).isEqualTo("no suitable node (insufficient resources on 2 nodes)");
        assertThat(cluster.get(0).available()).isEqualTo(Resources.of(0, 1024));
    }

    @Test
    void binpackFillsOneNodeBeforeTheNext() {
        List<NodeInfo> cluster = readyNodes(3);
        TaskSpec half = TaskSpec.of("img").withResources(new ResourceRequirements(Resources.of(0.5, 256), null));
        List<Decision> d = Scheduler.withStrategy(Strategy.BINPACK).schedule(tasks("web", 6, half), cluster);
        assertThat(d).extracting(Decision::nodeId).containsExactly("n000", "n000", "n000", "n000", "n001", "n001");
    }

    @Test
    void hostModePortsNeverShareANode() {
        List<NodeInfo> cluster = readyNodes(2);
        PortConfig host80 = new PortConfig("", Protocol.TCP, 80, 8080, PublishMode.HOST);
        List<Decision> d = Scheduler.defaults().schedule(tasks("web", 3, TaskSpec.of("img"), host80), cluster);
        assertThat(d.get(0).nodeId()).isNotEqualTo(d.get(1).nodeId());
        assertThat(d.get(2).reason()).isEqualTo("no suitable node (host-mode port already in use on 2 nodes)");
        PortConfig udp = new PortConfig("", Protocol.UDP, 80, 8080, PublishMode.HOST);
        assertThat(Scheduler.defaults()
                        .schedule(tasks("dns", 1, TaskSpec.of("img"), udp).get(0), cluster)
                        .placed())
                .as("same number, other protocol")
                .isTrue();
    }

    @Test
    void maxReplicasPerNodeCapsEachNode() {
        List<NodeInfo> cluster = readyNodes(2);
        TaskSpec capped = TaskSpec.of("img").withPlacement(new Placement(List.of(), List.of(), 1));
        List<Decision> d = Scheduler.defaults().schedule(tasks("web", 3, capped), cluster);
        assertThat(d.get(2).reason()).isEqualTo("no suitable node (max replicas per node reached on 2 nodes)");
    }

    @Test
    void placementPreferenceSpreadsOverLabelValuesBeforeNodes() {
        List<NodeInfo> cluster = List.of(
                ready("a1", Map.of("zone", "a")),
                ready("b1", Map.of("zone", "b")),
                ready("b2", Map.of("zone", "b")),
                ready("b3", Map.of("zone", "b")));
        TaskSpec spread = TaskSpec.of("img")
                .withPlacement(
                        new Placement(List.of(), List.of(PlacementPreference.parse("spread=node.labels.zone")), 0));
        List<Decision> d = Scheduler.defaults().schedule(tasks("web", 6, spread), cluster);
        assertThat(perNode(d))
                .containsExactly(Map.entry("a1", 3L), Map.entry("b1", 1L), Map.entry("b2", 1L), Map.entry("b3", 1L));
    }

    @Test
    void randomStrategyIsRepeatableWithASeedAndUsesEveryNode() {
        List<Decision> first = Scheduler.withStrategy(Strategy.random(new Random(42)))
                .schedule(tasks("web", 60, TaskSpec.of("img")), readyNodes(4));
        List<Decision> again = Scheduler.withStrategy(Strategy.random(new Random(42)))
                .schedule(tasks("web", 60, TaskSpec.of("img")), readyNodes(4));
        assertThat(again).isEqualTo(first);
        assertThat(perNode(first)).hasSize(4);
    }
}
