package io.shoal.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class NodeStatusTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void ingressAddressSurvivesStateChangesAndJson() throws Exception {
        NodeStatus ready = NodeStatus.of(NodeState.READY, "member record present", T0)
                .withIngressAddress(Cidr.parse("a", "100.64.0.3/24"));
        NodeStatus down = ready.moveTo(NodeState.DOWN, "member record vanished", T0.plusSeconds(5));
        assertThat(down.state()).isEqualTo(NodeState.DOWN);
        assertThat(down.since()).isEqualTo(T0.plusSeconds(5));
        assertThat(down.ingressAddress()).hasToString("100.64.0.3/24");

        String json = Json.mapper().writeValueAsString(down);
        assertThat(json).contains("\"ingressAddress\":\"100.64.0.3/24\"");
        assertThat(Json.mapper().readValue(json, NodeStatus.class)).isEqualTo(down);
    }

    @Test
    void statusWrittenWithoutAnIngressAddressReadsAsNone() throws Exception {
        NodeStatus old = Json.mapper()
                .readValue(
                        "{\"state\":\"ready\",\"message\":\"\",\"since\":\"2026-01-01T00:00:00Z\"}", NodeStatus.class);
        assertThat(old.ingressAddress()).isNull();
        assertThat(old).isEqualTo(new NodeStatus(NodeState.READY, "", T0));
        assertThat(Json.mapper().writeValueAsString(old)).doesNotContain("ingressAddress");
    }
}
