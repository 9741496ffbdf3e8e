package io.shoal.agent.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.shoal.model.ContainerSpec;
import io.shoal.model.Meta;
import io.shoal.model.Task;
import io.shoal.model.TaskSpec;
import io.shoal.netlink.ns.NetNs;
import io.shoal.testbed.Requirements;
import io.shoal.testbed.RunPrefix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process executor: real processes in real network namespaces. */
@Tag("integration")
class ProcessExecutorTest {
    private final String run = RunPrefix.random().value();
    private final String node = run + "-n1";

    @TempDir
    Path state;

    private ProcessExecutor executor;

    @BeforeEach
    void setUp() {
        Requirements.requireRoot();
        executor = new ProcessExecutor(node, run, state);
    }

    @AfterEach
    void cleanUp() {
        if (executor == null) {
            return;
        }
        for (Managed m : executor.list()) {
            executor.remove(m.id());
        }
        executor.close();
        assertThat(NetNs.list()).noneMatch(n -> n.startsWith(run + "-"));
    }

    private static Task task(String id, String script) {
        Instant now = Instant.now();
        ContainerSpec c = ContainerSpec.of("none").withArgs(List.of("sh", "-c", script));
        return Task.forSlot(
                        Meta.created(id, now), "svc", 0, 1, TaskSpec.of("none").withContainer(c))
                .assignedTo("n1", now);
    }

    @Test
    void processRunsInANamespaceOfItsOwnAndReportsItsExitCode() throws Exception {
        ConcurrentLinkedQueue<String> exits = new ConcurrentLinkedQueue<>();
        Executor.Subscription sub = executor.watch(exits::add);
        String id = executor.prepare(task("svc.1.0", "sleep 1; exit 7"));
        assertThat(id).isEqualTo(run + "-svc.1.0");
        assertThat(NetNs.exists(id)).isTrue();
        assertThat(executor.inspect(id).orElseThrow().phase()).isEqualTo(TaskRuntime.Phase.CREATED);
        executor.start(id);

        TaskRuntime r = executor.inspect(id).orElseThrow();
        assertThat(r.phase()).isEqualTo(TaskRuntime.Phase.RUNNING);
        assertThat(r.netns()).contains(Path.of("/run/netns", id));
        // The process's namespace is the task's, not the agent's.
        Path own = Path.of("/proc", Long.toString(r.pid()), "ns", "net");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !Files.readSymbolicLink(own).equals(Files.readSymbolicLink(Path.of("/proc/self/ns/net"))));
        assertThat(executor.list()).containsExactly(new Managed(id, "svc.1.0", "svc"));

        await().atMost(Duration.ofSeconds(10)).until(() -> exits.contains(id));
        TaskRuntime ended = executor.inspect(id).orElseThrow();
        assertThat(ended.phase()).isEqualTo(TaskRuntime.Phase.EXITED);
        assertThat(ended.exitCode()).isEqualTo(7);
        sub.close();

        executor.remove(id);
        assertThat(NetNs.exists(id)).isFalse();
        assertThat(executor.inspect(id)).isEmpty();
    }

    @Test
    void stopSendsTermThenKillAfterTheGracePeriod() {
        String polite = executor.prepare(task("a.1.0", "trap 'exit 0' TERM; while true; do sleep 0.1; done"));
        String stubborn = executor.prepare(task("b.1.0", "trap '' TERM; while true; do sleep 0.1; done"));
        executor.start(polite);
        executor.start(stubborn);

        long t0 = System.nanoTime();
        executor.stop(polite, Duration.ofSeconds(20));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        assertThat(executor.inspect(polite).orElseThrow().exitCode()).isZero();

        long t1 = System.nanoTime();
        executor.stop(stubborn, Duration.ofMillis(1000));
        assertThat(Duration.ofNanos(System.nanoTime() - t1)).isGreaterThanOrEqualTo(Duration.ofMillis(1000));
        TaskRuntime r = executor.inspect(stubborn).orElseThrow();
        assertThat(r.phase()).isEqualTo(TaskRuntime.Phase.EXITED);
        assertThat(r.exitCode()).as("killed by SIGKILL").isEqualTo(137);
    }

    @Test
    void aRestartedExecutorFindsTheRunningProcessAgain() {
        String id = executor.prepare(task("c.1.0", "sleep 300"));
        executor.start(id);
        long pid = executor.inspect(id).orElseThrow().pid();

        ProcessExecutor again = new ProcessExecutor(node, run, state);
        assertThat(again.list()).containsExactly(new Managed(id, "c.1.0", "svc"));
        TaskRuntime r = again.inspect(id).orElseThrow();
        assertThat(r.phase()).isEqualTo(TaskRuntime.Phase.RUNNING);
        assertThat(r.pid()).isEqualTo(pid);
        again.stop(id, Duration.ofMillis(500));
        assertThat(again.inspect(id).orElseThrow().exitCode()).isEqualTo(ProcessExecutor.UNKNOWN_EXIT);
    }

    @Test
    void aTaskWithoutCommandIsRefusedNamingIt() {
        Instant now = Instant.now();
        Task t = Task.forSlot(Meta.created("d.1.0", now), "svc", 0, 1, TaskSpec.of("img"))
                .assignedTo("n1", now);
        assertThatThrownBy(() -> executor.prepare(t))
                .isInstanceOf(ExecutorException.class)
                .hasMessageContaining("task d.1.0: the process executor needs a command");
    }
}
