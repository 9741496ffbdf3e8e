package io.shoal.agent.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import io.shoal.agent.DockerCleanup;
import io.shoal.agent.TestTasks;
import io.shoal.model.ContainerSpec;
import io.shoal.model.ResourceRequirements;
import io.shoal.model.Resources;
import io.shoal.model.Task;
import io.shoal.testbed.Requirements;
import io.shoal.testbed.RunPrefix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The Docker executor against the real engine with the test busybox image. */
@Tag("integration")
class DockerExecutorTest {
    private static final String LOOP_UNTIL_TERM = "trap 'exit 0' TERM; while true; do sleep 0.2; done";
    private static final String IGNORE_TERM = "trap '' TERM; while true; do sleep 0.2; done";

    private final String run = RunPrefix.random().value();
    private final String node = run + "-n1";
    private final String otherNode = run + "-n2";
    private DockerExecutor executor;
    private DockerExecutor other;
    private DockerClient docker;

    @BeforeEach
    void connect() {
        Requirements.requireDocker();
        executor = DockerExecutor.open(Requirements.DOCKER_SOCKET, node);
        other = DockerExecutor.open(Requirements.DOCKER_SOCKET, otherNode);
        docker = DockerExecutor.client(Requirements.DOCKER_SOCKET);
        Requirements.require(
                !docker.listImagesCmd()
                        .withReferenceFilter(TestTasks.IMAGE)
                        .exec()
                        .isEmpty(),
                "the image " + TestTasks.IMAGE + " (built by testbed/provision.sh)");
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            DockerCleanup.removeAll(node, otherNode);
        } finally {
            if (executor != null) {
                executor.close();
                other.close();
                docker.close();
            }
        }
    }

    @Test
    void containerRunsWithoutNetworkWithLabelsLimitsAndEmbeddedDns() throws Exception {
        Task task = TestTasks.shell("web.1.0", "web", node, "sleep 300");
        task = new Task(
                task.meta(),
                task.serviceId(),
                task.serviceVersion(),
                task.slot(),
                task.nodeId(),
                task.spec().withResources(new ResourceRequirements(Resources.NONE, Resources.of(0.5, 64))),
                task.desiredState(),
                task.status(),
                task.addresses());

        String id = executor.prepare(task);
        assertThat(executor.inspect(id).orElseThrow().phase()).isEqualTo(TaskRuntime.Phase.CREATED);
        executor.start(id);

        TaskRuntime r = executor.inspect(id).orElseThrow();
        assertThat(r.phase()).isEqualTo(TaskRuntime.Phase.RUNNING);
        assertThat(r.taskId()).isEqualTo("web.1.0");
        assertThat(r.pid()).isPositive();
        Path netns = r.netns().orElseThrow();
        assertThat(netns).isEqualTo(Path.of("/proc/" + r.pid() + "/ns/net")).exists();
        assertThat(Files.readSymbolicLink(netns)).isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")));
        assertThat(r.health()).isEqualTo(Health.NONE);

        InspectContainerResponse c = docker.inspectContainerCmd(id).exec();
        assertThat(c.getName()).isEqualTo("/shoal." + node + ".web.1.0");
        assertThat(c.getConfig().getLabels())
                .containsEntry(Labels.NODE, node)
                .containsEntry(Labels.SERVICE, "web")
                .containsEntry(Labels.TASK, "web.1.0");
        assertThat(c.getHostConfig().getNetworkMode()).isEqualTo("none");
        assertThat(c.getHostConfig().getDns()).containsExactly("127.0.0.11");
        assertThat(c.getHostConfig().getNanoCPUs()).isEqualTo(500_000_000L);
        assertThat(c.getHostConfig().getMemory()).isEqualTo(64L * 1024 * 1024);
        assertThat(c.getHostConfig().getRestartPolicy().getName()).isIn("no", "");

        // Agents sharing the engine: each lists only its own node's containers.
        assertThat(executor.list()).containsExactly(new Managed(id, "web.1.0", "web"));
        assertThat(other.list()).isEmpty();

        executor.stop(id, Duration.ofSeconds(1));
        assertThat(executor.inspect(id).orElseThrow().phase()).isEqualTo(TaskRuntime.Phase.EXITED);
        executor.remove(id);
        assertThat(executor.inspect(id)).isEmpty();
        assertThat(executor.list()).isEmpty();
        executor.remove(id); // removing a missing one does nothing
    }

    @Test
    void stopSendsTermFirstAndATrappingProcessExitsCleanlyBeforeTheGracePeriod() {
        String id = executor.prepare(TestTasks.shell("t.1.0", "t", node, LOOP_UNTIL_TERM));
        executor.start(id);
        awaitRunning(id);

        long started = System.nanoTime();
        executor.stop(id, Duration.ofSeconds(20));
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        TaskRuntime r = executor.inspect(id).orElseThrow();
        assertThat(r.phase()).isEqualTo(TaskRuntime.Phase.EXITED);
        assertThat(r.exitCode()).as("the TERM trap's exit code").isZero();
        assertThat(took).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void stopSendsKillOnceTheGracePeriodIsOverWhenTermIsIgnored() {
        String id = executor.prepare(TestTasks.shell("t.1.0", "t", node, IGNORE_TERM));
        executor.start(id);
        awaitRunning(id);

        long started = System.nanoTime();
        executor.stop(id, Duration.ofMillis(1500));
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        TaskRuntime r = executor.inspect(id).orElseThrow();
        assertThat(r.phase()).isEqualTo(TaskRuntime.Phase.EXITED);
        assertThat(r.exitCode()).as("128 + SIGKILL").isEqualTo(137);
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void healthCheckResultsComeFromDockerInspect() {
        ContainerSpec healthy = TestTasks.withHealth(TestTasks.container("sleep 300"), List.of("CMD", "echo", "ok"));
        ContainerSpec sick =
                TestTasks.withHealth(TestTasks.container("sleep 300"), List.of("CMD", "cat", "/no/such/file"));
        String good = executor.prepare(TestTasks.of("h.1.0", "h", node, healthy));
        String bad = executor.prepare(TestTasks.of("h.2.0", "h", node, sick));
        executor.start(good);
        executor.start(bad);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                        executor.inspect(good).orElseThrow().health())
                .isEqualTo(Health.HEALTHY));
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() ->
                        assertThat(executor.inspect(bad).orElseThrow().health()).isEqualTo(Health.UNHEALTHY));
    }

    @Test
    void watchReportsAContainerThatExitsByItself() {
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        Executor.Subscription sub = executor.watch(seen::add);
        try {
            String id = executor.prepare(TestTasks.shell("x.1.0", "x", node, "sleep 0.5; exit 3"));
            executor.start(id);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> seen.contains(id)
                            && executor.inspect(id).orElseThrow().phase() == TaskRuntime.Phase.EXITED);
            assertThat(executor.inspect(id).orElseThrow().exitCode()).isEqualTo(3);
        } finally {
            sub.close();
        }
    }

    @Test
    void anAbsentImageThatCannotBePulledIsAClearError() {
        Task task = TestTasks.of("m.1.0", "m", node, ContainerSpec.of("shoal/absent-" + run + ":none"));
        assertThatThrownBy(() -> executor.prepare(task))
                .isInstanceOf(ExecutorException.class)
                .hasMessageContaining("task m.1.0")
                .hasMessageContaining("image shoal/absent-" + run + ":none is not present on this node");
        assertThat(executor.list()).isEmpty();
    }

    private void awaitRunning(String id) {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> executor.inspect(id).orElseThrow().running());
    }
}
