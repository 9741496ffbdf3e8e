package io.shoal.agent.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.agent.TestTasks;
import io.shoal.model.ContainerSpec;
import io.shoal.model.HealthCheck;
import io.shoal.model.ResourceRequirements;
import io.shoal.model.Resources;
import io.shoal.model.Task;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a task's spec becomes container settings, without an engine. */
class ContainerSettingsTest {
    @Test
    void containerCarriesNodeServiceAndTaskLabelsAndPointsDnsAtTheEmbeddedResolver() {
        Task task = TestTasks.shell("web.3.1", "web", "n7", "sleep 1");
        ContainerSettings s = ContainerSettings.of("n7", task);
        assertThat(s.name()).isEqualTo("shoal.n7.web.3.1");
        assertThat(s.labels())
                .containsEntry(Labels.NODE, "n7")
                .containsEntry(Labels.SERVICE, "web")
                .containsEntry(Labels.TASK, "web.3.1")
                .containsEntry(Labels.SLOT, "1");
        assertThat(s.dns()).containsExactly("127.0.0.11");
        assertThat(s.cmd()).containsExactly("sh", "-c", "sleep 1");
        assertThat(s.entrypoint()).isEmpty();
        assertThat(s.image()).isEqualTo(TestTasks.IMAGE);
    }

    @Test
    void limitsComeFromTheTaskAndZeroMeansNone() {
        Task plain = TestTasks.shell("a.1.0", "a", "n1", "x");
        assertThat(ContainerSettings.of("n1", plain).nanoCpus()).isZero();
        assertThat(ContainerSettings.of("n1", plain).memoryBytes()).isZero();

        Task limited = new Task(
                plain.meta(),
                plain.serviceId(),
                plain.serviceVersion(),
                plain.slot(),
                plain.nodeId(),
                plain.spec().withResources(new ResourceRequirements(Resources.of(0.25, 32), Resources.of(1.5, 256))),
                plain.desiredState(),
                plain.status(),
                plain.addresses());
        ContainerSettings s = ContainerSettings.of("n1", limited);
        assertThat(s.nanoCpus()).isEqualTo(1_500_000_000L);
        assertThat(s.memoryBytes()).isEqualTo(256L * 1024 * 1024);
    }

    @Test
    void anInheritedHealthCheckKeepsTheImagesAndAnExplicitOneIsPassedOn() {
        assertThat(ContainerSettings.of("n1", TestTasks.shell("a.1.0", "a", "n1", "x"))
                        .healthCheck())
                .isEmpty();
        ContainerSpec c = TestTasks.withHealth(TestTasks.container("x"), List.of("CMD", "echo", "ok"));
        HealthCheck hc = ContainerSettings.of("n1", TestTasks.of("a.1.0", "a", "n1", c))
                .healthCheck()
                .orElseThrow();
        assertThat(hc.test()).containsExactly("CMD", "echo", "ok");
        assertThat(hc.interval()).isEqualTo(Duration.ofMillis(200));
        assertThat(hc.retries()).isEqualTo(1);
    }

    @Test
    void dockerHealthStatusesParseAndAnUnknownOneIsNamed() {
        assertThat(Health.ofDocker(null)).isEqualTo(Health.NONE);
        assertThat(Health.ofDocker("")).isEqualTo(Health.NONE);
        assertThat(Health.ofDocker("starting")).isEqualTo(Health.STARTING);
        assertThat(Health.ofDocker("healthy")).isEqualTo(Health.HEALTHY);
        assertThat(Health.ofDocker("unhealthy")).isEqualTo(Health.UNHEALTHY);
        assertThatThrownBy(() -> Health.ofDocker("sick"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("health status: 'sick' is not one of none, starting, healthy, unhealthy");
    }

    @Test
    void processExecutorPrefixIsCheckedAtTheBoundary() {
        assertThatThrownBy(() -> new ProcessExecutor("n1", "Bad Prefix", java.nio.file.Path.of("/tmp")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("process executor prefix: 'Bad Prefix'");
    }
}
