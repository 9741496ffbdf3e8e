package io.shoal.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class UpdateStatusTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final Service v1 = Service.created(Meta.created("web", T0), ServiceSpec.replicated("web", "img:1", 3));

    @Test
    void aTaskTemplateChangeStartsAnUpdateAndKeepsThePreviousSpec() {
        ServiceSpec v2 = v1.spec().withTask(TaskSpec.of("img:2"));
        Service updated = v1.updatedTo(v2, T0.plusSeconds(1));
        assertThat(updated.updateStatus().state()).isEqualTo(UpdateState.UPDATING);
        assertThat(updated.updateStatus().startedAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(updated.previousSpec()).isEqualTo(v1.spec());
    }

    @Test
    void aReplicasChangeStartsNoUpdate() {
        assertThat(v1.updatedTo(v1.spec().withReplicas(5), T0).updateStatus()).isNull();
    }

    @Test
    void rollbackSwapsSpecAndPreviousSpec() {
        Service updated = v1.updatedTo(v1.spec().withTask(TaskSpec.of("img:2")), T0);
        Service back = updated.rolledBack(T0.plusSeconds(2), "by hand");
        assertThat(back.spec()).isEqualTo(v1.spec());
        assertThat(back.previousSpec()).isEqualTo(updated.spec());
        assertThat(back.updateStatus().state()).isEqualTo(UpdateState.ROLLBACK_STARTED);
        assertThatThrownBy(() -> v1.rolledBack(T0, "x")).hasMessage("rollback: service 'web' has no previous spec");
    }

    @Test
    void serviceWithUpdateStatusSurvivesJson() throws Exception {
        Service s = v1.updatedTo(v1.spec().withTask(TaskSpec.of("img:2")), T0)
                .withUpdateStatus(
                        UpdateStatus.updating(T0).moveTo(UpdateState.ROLLBACK_PAUSED, T0.plusSeconds(3), "paused"));
        String json = Json.mapper().writeValueAsString(s);
        assertThat(json).contains("\"state\":\"rollback-paused\"");
        assertThat(Json.mapper().readValue(json, Service.class)).isEqualTo(s);
        Service old = Json.mapper().readValue(Json.mapper().writeValueAsString(v1), Service.class);
        assertThat(old.updateStatus()).isNull();
    }
}
