package io.shoal.agent;

import io.shoal.model.ContainerSpec;
import io.shoal.model.HealthCheck;
import io.shoal.model.Meta;
import io.shoal.model.Task;
import io.shoal.model.TaskSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Tasks for executor tests, assigned to a node as the scheduler would. */
public final class TestTasks {
    public static final String IMAGE = "shoal/busybox:test";

    private TestTasks() {}

    /** A task of {@code service} running {@code sh -c script} in the test image. */
    public static Task shell(String taskId, String service, String node, String script) {
        return of(taskId, service, node, container(script));
    }

    /** The container spec of {@code sh -c script} in the test image. */
    public static ContainerSpec container(String script) {
        return ContainerSpec.of(IMAGE).withArgs(List.of("sh", "-c", script));
    }

    /** A task with a container spec. */
    public static Task of(String taskId, String service, String node, ContainerSpec container) {
        Instant now = Instant.now();
        return Task.forSlot(
                        Meta.created(taskId, now),
                        service,
                        0,
                        1,
                        TaskSpec.of(IMAGE).withContainer(container))
                .assignedTo(node, now);
    }

    /** A container spec with a health check probing every 200 ms. */
    public static ContainerSpec withHealth(ContainerSpec c, List<String> test) {
        return new ContainerSpec(
                c.image(),
                c.command(),
                c.args(),
                c.env(),
                c.hostname(),
                c.user(),
                c.workdir(),
                new HealthCheck(test, Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ZERO, 1),
                c.stopGracePeriod());
    }
}
