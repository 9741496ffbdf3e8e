package io.shoal.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeNetworkTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void nodeSurvivesAJsonRoundTripWithoutExtraFields() throws Exception {
        Node node = ConstraintTest.node("n1", NodeRole.MANAGER, Map.of("zone", "a"))
                .withSpec(new NodeSpec("edge-1", NodeRole.MANAGER, NodeAvailability.DRAIN, Map.of("zone", "a")));
        String json = Json.mapper().writeValueAsString(node);
        assertThat(Json.mapper().readValue(json, Node.class)).isEqualTo(node);
        assertThat(Json.mapper().readTree(json).fieldNames())
                .toIterable()
                .containsExactlyInAnyOrder("meta", "spec", "description", "status");
        assertThat(json).contains("\"availability\":\"drain\"").contains("\"role\":\"manager\"");
        assertThat(node.schedulable()).isFalse();
        assertThat(node.withSpec(node.spec().withAvailability(NodeAvailability.ACTIVE))
                        .schedulable())
                .isTrue();
    }

    @Test
    void nodeChecksNameTheField() {
        assertThatThrownBy(() -> new NodeDescription("h", List.of("198.18.0.300"), null))
                .hasMessage("addresses[0]: '198.18.0.300' has an octet above 255");
        assertThatThrownBy(() -> new NodeDescription(" ", List.of(), null)).hasMessage("hostname: must not be empty");
        assertThatThrownBy(() -> new NodeSpec("", null, NodeAvailability.parse("gone"), null))
                .hasMessage("node availability: 'gone' is not one of active, pause, drain");
        assertThatThrownBy(() -> new Meta("bad id", 0, T0, T0)).hasMessageStartingWith("id: 'bad id' must match");
        assertThatThrownBy(() -> new Meta("x", -1, T0, T0)).hasMessage("version: -1 must be >= 0");
    }

    @Test
    void memberRecordSurvivesAJsonRoundTrip() throws Exception {
        Member m = new Member("n1", "host1", List.of("198.18.0.1"), Resources.of(2, 512), "0.1.0", T0);
        assertThat(Json.mapper().readValue(Json.mapper().writeValueAsBytes(m), Member.class))
                .isEqualTo(m);
        assertThat(m.description().resources()).isEqualTo(Resources.of(2, 512));
    }

    @Test
    void networkSpecValidatesSubnetGatewayAndMtu() throws Exception {
        assertThatThrownBy(() -> NetworkSpec.overlay("backend", "100.64.0.1/24"))
                .hasMessage("subnet: '100.64.0.1/24' has host bits set (did you mean 100.64.0.0/24?)");
        assertThatThrownBy(() -> NetworkSpec.overlay("backend", "100.64.0.0/31"))
                .hasMessage("subnet: '100.64.0.0/31' is too small, the prefix must be <= 30");
        assertThatThrownBy(() -> new NetworkSpec(
                        "b",
                        null,
                        Cidr.parse("subnet", "100.64.0.0/24"),
                        Cidr.parse("gateway", "100.64.1.1/32"),
                        false,
                        false,
                        false,
                        0))
                .hasMessage("gateway: 100.64.1.1 is not a host address of subnet 100.64.0.0/24");
        assertThatThrownBy(() -> new NetworkSpec("b", null, null, null, false, false, false, 100))
                .hasMessage("mtu: 100 is outside 576..9216");
        assertThatThrownBy(() -> NetworkSpec.overlay("my net"))
                .hasMessageStartingWith("network name: 'my net' must match");
        assertThat(NetworkSpec.overlay("b").effectiveMtu()).isEqualTo(1450);
    }

    @Test
    void networkAllocationRoundTripsAndIsAllOrNothing() throws Exception {
        Meta meta = Meta.created("net1", T0);
        NetworkSpec spec = new NetworkSpec("backend", Map.of("a", "b"), null, null, true, true, false, 1400);
        Network unallocated = Network.unallocated(meta, spec);
        assertThat(unallocated.allocated()).isFalse();
        assertThat(Json.mapper().readValue(Json.mapper().writeValueAsString(unallocated), Network.class))
                .isEqualTo(unallocated);
        Network allocated =
                unallocated.withAllocation(4096, Cidr.parse("s", "100.64.0.0/24"), Cidr.parse("g", "100.64.0.1/24"));
        String json = Json.mapper().writeValueAsString(allocated);
        assertThat(Json.mapper().readValue(json, Network.class)).isEqualTo(allocated);
        assertThat(json).contains("\"subnet\":\"100.64.0.0/24\"").contains("\"vni\":4096");
        assertThatThrownBy(() -> unallocated.withAllocation(4096, null, null))
                .hasMessageContaining("vni and subnet are allocated together");
        assertThatThrownBy(() -> unallocated.withAllocation(1 << 24, Cidr.parse("s", "100.64.0.0/24"), null))
                .hasMessage("vni: 16777216 is outside 1..16777215");
    }

    @Test
    void clusterSpecDefaultsToDockersPoolAndChecksTheSubnetSize() {
        ClusterSpec dflt = new ClusterSpec(null, null, 0, 0, 0, 0, null);
        assertThat(dflt.defaultAddressPools()).containsExactly(Cidr.parse("p", "10.0.0.0/8"));
        assertThat(dflt.subnetSize()).isEqualTo(24);
        assertThat(dflt.firstVni()).isEqualTo(4096);
        assertThat(dflt.portRangeStart()).isEqualTo(30000);
        assertThat(dflt.portRangeEnd()).isEqualTo(32767);
        assertThat(dflt.taskHistoryLimit()).isEqualTo(5);
        assertThat(dflt.withTaskHistoryLimit(2).taskHistoryLimit()).isEqualTo(2);
        assertThat(ClusterSpec.withPools("100.64.0.0/10").defaultAddressPools()).hasSize(1);
        assertThatThrownBy(() -> new ClusterSpec("c", List.of(Cidr.parse("p", "100.64.0.0/26")), 24, 0, 0, 0, null))
                .hasMessage("subnetSize: /24 subnets do not fit in pool 100.64.0.0/26");
        assertThatThrownBy(() -> new ClusterSpec("c", null, 0, 0, 32000, 31000, null))
                .hasMessage("portRangeEnd: 31000 is outside 32000..65535");
        assertThatThrownBy(() -> dflt.withTaskHistoryLimit(0))
                .hasMessage("taskHistoryLimit: 0 must be at least 1 (a slot always keeps its newest task)");
    }

    @Test
    void clusterSpecWithoutATaskHistoryLimitInItsJsonGetsTheDefault() throws Exception {
        String stored = "{\"name\":\"c\",\"defaultAddressPools\":[\"100.64.0.0/10\"],\"subnetSize\":24,"
                + "\"firstVni\":4096,\"portRangeStart\":30000,\"portRangeEnd\":32767}";
        ClusterSpec read = Json.mapper().readValue(stored, ClusterSpec.class);
        assertThat(read.taskHistoryLimit()).isEqualTo(5);
        ClusterSpec three = read.withTaskHistoryLimit(3);
        assertThat(Json.mapper().readValue(Json.mapper().writeValueAsString(three), ClusterSpec.class))
                .isEqualTo(three);
        String negative = stored.replace("}", ",\"taskHistoryLimit\":-2}");
        assertThatThrownBy(() -> Json.mapper().readValue(negative, ClusterSpec.class))
                .hasMessageContaining("taskHistoryLimit: -2 must be at least 1");
    }

    @Test
    void taskSurvivesAJsonRoundTrip() throws Exception {
        Task task = Task.forSlot(
                        Meta.created("t1", T0),
                        "svc1",
                        3,
                        2,
                        ServiceSpecTest.fullSpec().task())
                .assignedTo("n1", T0.plusSeconds(1))
                .withAddresses(Map.of("net1", Cidr.parse("a", "100.64.0.5/24")));
        String json = Json.mapper().writeValueAsString(task);
        assertThat(Json.mapper().readValue(json, Task.class)).isEqualTo(task);
        TaskStatus st = task.status()
                .moveTo(TaskState.RUNNING, T0.plusSeconds(2), "started")
                .withContainerId("c1");
        assertThat(Json.mapper().readValue(Json.mapper().writeValueAsString(st), TaskStatus.class))
                .isEqualTo(st);
    }

    @Test
    void metaNextBumpsTheVersionAndNeverMovesTimeBack() {
        Meta m = Meta.created("x", T0);
        Meta n = m.next(T0.plusSeconds(5));
        assertThat(n.version()).isEqualTo(1);
        assertThat(n.createdAt()).isEqualTo(T0);
        assertThat(n.next(T0).updatedAt()).isEqualTo(T0.plusSeconds(5));
    }
}
