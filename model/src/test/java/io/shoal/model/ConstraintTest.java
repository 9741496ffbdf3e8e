package io.shoal.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConstraintTest {
    static Node node(String id, NodeRole role, Map<String, String> labels) {
        return new Node(
                Meta.created(id, Instant.EPOCH),
                new NodeSpec("", role, NodeAvailability.ACTIVE, labels),
                new NodeDescription("host-" + id, List.of("198.18.0.1"), Resources.of(2, 1024)),
                NodeStatus.of(NodeState.READY, "", Instant.EPOCH));
    }

    @Test
    void labelRoleHostnameAndIdConstraintsMatchAsSwarmDoes() {
        Node a = node("n1", NodeRole.WORKER, Map.of("zone", "a"));
        Node b = node("n2", NodeRole.MANAGER, Map.of("zone", "B"));
        Node bare = node("n3", NodeRole.WORKER, Map.of());

        Constraint zoneA = Constraint.parse("node.labels.zone==a");
        assertThat(zoneA.matches(a)).isTrue();
        assertThat(zoneA.matches(b)).isFalse();
        assertThat(zoneA.matches(bare)).isFalse();
        assertThat(Constraint.parse("node.labels.zone!=a").matches(bare)).isTrue();
        assertThat(Constraint.parse("node.labels.zone == b").matches(b)).isTrue();
        assertThat(Constraint.parse("node.role==manager").matches(b)).isTrue();
        assertThat(Constraint.parse("node.role!=manager").matches(b)).isFalse();
        assertThat(Constraint.parse("node.hostname==HOST-n1").matches(a)).isTrue();
        assertThat(Constraint.parse("node.id==n1").matches(a)).isTrue();
        assertThat(Constraint.parse("node.id==N1").matches(a)).isFalse();
        assertThat(Placement.constraints("node.labels.zone==a", "node.role==worker")
                        .allows(a))
                .isTrue();
        assertThat(Placement.constraints("node.labels.zone==a", "node.role==manager")
                        .allows(a))
                .isFalse();
    }

    @Test
    void malformedConstraintsNameWhatIsWrong() {
        assertThatThrownBy(() -> Constraint.parse("zone=a"))
                .hasMessage("constraint: 'zone=a' must be <key>==<value> or <key>!=<value>");
        assertThatThrownBy(() -> Constraint.parse("node.cpu==2"))
                .hasMessageStartingWith("constraint: unknown key 'node.cpu'");
        assertThatThrownBy(() -> Constraint.parse("node.labels.==a"))
                .hasMessageStartingWith("constraint: unknown key 'node.labels.'");
        assertThatThrownBy(() -> Constraint.parse("node.role==boss"))
                .hasMessage("node role: 'boss' is not one of manager, worker");
        assertThatThrownBy(() -> Constraint.parse("node.labels.zone=="))
                .hasMessage("constraint: 'node.labels.zone' needs a value");
        assertThatThrownBy(() -> PlacementPreference.parse("spread=node.role"))
                .hasMessage("placement preference: 'node.role' must be node.labels.<name>");
    }

    @Test
    void constraintJsonIsItsText() throws Exception {
        Constraint c = Constraint.parse("node.labels.zone!=a");
        assertThat(Json.mapper().writeValueAsString(c)).isEqualTo("\"node.labels.zone!=a\"");
        assertThat(Json.mapper().readValue("\"node.labels.zone!=a\"", Constraint.class))
                .isEqualTo(c);
    }
}
