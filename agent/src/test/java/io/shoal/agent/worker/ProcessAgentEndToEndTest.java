package io.shoal.agent.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.agent.ShoalAgent;
import io.shoal.agent.Zk;
import io.shoal.agent.exec.Managed;
import io.shoal.agent.exec.ProcessExecutor;
import io.shoal.controlplane.manager.Manager;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Layout;
import io.shoal.controlplane.store.Store;
import io.shoal.model.ClusterSpec;
import io.shoal.model.ContainerSpec;
import io.shoal.model.Member;
import io.shoal.model.Meta;
import io.shoal.model.Resources;
import io.shoal.model.Service;
import io.shoal.model.ServiceSpec;
import io.shoal.model.TaskState;
import io.shoal.model.TaskStatus;
import io.shoal.netlink.ns.NetNs;
import io.shoal.testbed.Requirements;
import io.shoal.testbed.RunPrefix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same task lifecycle with the process executor: real processes in namespaces of their own. */
@Tag("integration")
class ProcessAgentEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(40);

    @TempDir
    Path state;

    @Test
    void replicasRunAsProcessesInTheirOwnNamespacesAndScaleToZeroRemovesThem() throws Exception {
        Requirements.requireRoot();
        String run = RunPrefix.random().value();
        String node = run + "-n1";
        ProcessExecutor cleanup = new ProcessExecutor(node, run, state);
        try (TestingServer server = Zk.server();
                CuratorFramework mc = Zk.client(server.getConnectString());
                Manager manager = new Manager(
                        mc,
                        Layout.DEFAULT,
                        "m1",
                        ClusterSpec.withPools("100.64.0.0/10"),
                        Duration.ofSeconds(2),
                        Clock.systemUTC());
                CuratorFramework ac = Zk.client(server.getConnectString())) {
            manager.start();
            Member member = new Member(
                    node, "host-" + run, List.of("198.18.0.1"), Resources.of(2, 2048), "test", Instant.now());
            try (ShoalAgent agent = new ShoalAgent(
                    ac, Layout.DEFAULT, member, new ProcessExecutor(node, run, state), Duration.ofMillis(500))) {
                agent.start();
                Store view = manager.store();
                ContainerSpec c = ContainerSpec.of("none").withArgs(List.of("sleep", "300"));
                ServiceSpec spec = ServiceSpec.replicated("sleeper", "none", 2);
                view.create(
                        Kind.SERVICES,
                        Service.created(
                                Meta.created("sleeper", Instant.now()),
                                spec.withTask(spec.task().withContainer(c))));

                await().atMost(WAIT).until(() -> Set.of("sleeper.1.0", "sleeper.2.0").stream()
                        .allMatch(t ->
                                view.get(Kind.STATUS, t).map(TaskStatus::state).orElse(null) == TaskState.RUNNING));
                for (String t : List.of("sleeper.1.0", "sleeper.2.0")) {
                    String ns = view.get(Kind.STATUS, t).orElseThrow().containerId();
                    assertThat(ns).isEqualTo(run + "-" + t);
                    assertThat(NetNs.exists(ns)).isTrue();
                }
                Set<Long> pids = cleanup.list().stream()
                        .map(m -> cleanup.inspect(m.id()).orElseThrow().pid())
                        .collect(Collectors.toSet());
                assertThat(pids).hasSize(2).allMatch(p -> Files.exists(Path.of("/proc/" + p)));

                Service s = view.read(Kind.SERVICES, "sleeper").orElseThrow().value();
                view.update(Kind.SERVICES, s.updatedTo(s.spec().withReplicas(0)));
                await().atMost(WAIT).until(() -> cleanup.list().isEmpty());
                assertThat(NetNs.list()).noneMatch(n -> n.startsWith(run + "-"));
                assertThat(pids)
                        .noneMatch(p ->
                                ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false));
                await().atMost(WAIT)
                        .until(() -> view.get(Kind.STATUS, "sleeper.1.0")
                                        .map(TaskStatus::state)
                                        .orElse(null)
                                == TaskState.SHUTDOWN);
            }
        } finally {
            for (Managed m : cleanup.list()) {
                cleanup.remove(m.id());
            }
        }
    }
}
