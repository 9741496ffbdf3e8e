package io.shoal.agent.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import io.shoal.agent.DockerCleanup;
import io.shoal.agent.ShoalAgent;
import io.shoal.agent.TestTasks;
import io.shoal.agent.Zk;
import io.shoal.agent.exec.DockerExecutor;
import io.shoal.controlplane.manager.Manager;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Layout;
import io.shoal.controlplane.store.Store;
import io.shoal.model.ClusterSpec;
import io.shoal.model.ContainerSpec;
import io.shoal.model.Member;
import io.shoal.model.Meta;
import io.shoal.model.NodeState;
import io.shoal.model.Resources;
import io.shoal.model.RestartCondition;
import io.shoal.model.RestartPolicy;
import io.shoal.model.Service;
import io.shoal.model.ServiceSpec;
import io.shoal.model.TaskState;
import io.shoal.model.TaskStatus;
import io.shoal.testbed.Requirements;
import io.shoal.testbed.RunPrefix;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The real control plane ({@link Manager} on a real ZooKeeper) and one agent with the Docker
 * executor, in process: services become real containers and the task states reach ZooKeeper.
 */
@Tag("integration")
class AgentEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final String LOOP_UNTIL_TERM = "trap 'exit 0' TERM; while true; do sleep 0.2; done";

    private final String run = RunPrefix.random().value();
    private final String node = run + "-n1";
    private final List<AutoCloseable> open = new ArrayList<>();
    private TestingServer server;
    private Manager manager;
    private DockerClient docker;
    private ShoalAgent agent;
    private CuratorFramework agentClient;

    @BeforeEach
    void setUp() throws Exception {
        Requirements.requireDocker();
        docker = DockerExecutor.client(Requirements.DOCKER_SOCKET);
        Requirements.require(
                !docker.listImagesCmd()
                        .withReferenceFilter(TestTasks.IMAGE)
                        .exec()
                        .isEmpty(),
                "the image " + TestTasks.IMAGE + " (built by testbed/provision.sh)");
        server = Zk.server();
        CuratorFramework mc = Zk.client(server.getConnectString());
        open.add(mc);
        manager = new Manager(
                mc,
                Layout.DEFAULT,
                "m1",
                ClusterSpec.withPools("100.64.0.0/10"),
                Duration.ofSeconds(2),
                Clock.systemUTC());
        open.add(manager);
        manager.start();
        await().atMost(WAIT).until(manager::isLeader);
        startAgent();
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (agent != null) {
                agent.close();
                agentClient.close();
            }
            for (int i = open.size() - 1; i >= 0; i--) {
                try {
                    open.get(i).close();
                } catch (Exception e) {
                    // keep closing
                }
            }
            if (server != null) {
                server.close();
            }
        } finally {
            if (docker != null) {
                DockerCleanup.removeAll(node);
                docker.close();
            }
        }
    }

    private void startAgent() throws Exception {
        agentClient = Zk.client(server.getConnectString());
        Member member =
                new Member(node, "host-" + run, List.of("198.18.0.1"), Resources.of(2, 2048), "test", Instant.now());
        agent = new ShoalAgent(
                agentClient,
                Layout.DEFAULT,
                member,
                DockerExecutor.open(Requirements.DOCKER_SOCKET, node),
                Duration.ofMillis(500));
        agent.start();
    }

    private void stopAgent() throws Exception {
        agent.close();
        agentClient.close();
        agent = null;
    }

    private Store view() {
        return manager.store();
    }

    private void createService(String name, int replicas) {
        createService(name, replicas, TestTasks.container(LOOP_UNTIL_TERM));
    }

    private void createService(String name, int replicas, ContainerSpec c) {
        createService(name, replicas, c, new RestartPolicy(RestartCondition.ANY, Duration.ZERO, 0, null));
    }

    private void createService(String name, int replicas, ContainerSpec c, RestartPolicy restart) {
        c = new ContainerSpec(
                c.image(),
                c.command(),
                c.args(),
                c.env(),
                c.hostname(),
                c.user(),
                c.workdir(),
                c.healthCheck(),
                Duration.ofSeconds(2));
        ServiceSpec spec = ServiceSpec.replicated(name, TestTasks.IMAGE, replicas);
        spec = spec.withTask(spec.task().withContainer(c).withRestartPolicy(restart));
        view().create(Kind.SERVICES, Service.created(Meta.created(name, Instant.now()), spec));
    }

    private void scale(String name, int replicas) {
        Service s = view().read(Kind.SERVICES, name).orElseThrow().value();
        view().update(Kind.SERVICES, s.updatedTo(s.spec().withReplicas(replicas)));
    }

    /** Tasks wanted RUNNING whose agent reported RUNNING, with their status. */
    private Map<String, TaskStatus> running(String service) {
        return view().list(Kind.TASKS).stream()
                .filter(t -> t.serviceId().equals(service) && t.desiredState() == TaskState.RUNNING)
                .map(t -> Map.entry(t.id(), view().get(Kind.STATUS, t.id())))
                .filter(e ->
                        e.getValue().map(s -> s.state() == TaskState.RUNNING).orElse(false))
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().orElseThrow()));
    }

    private Set<String> runningContainers() {
        return DockerCleanup.labelled(docker, node).stream()
                .filter(c -> "running".equals(c.getState()))
                .map(Container::getId)
                .collect(Collectors.toSet());
    }

    @Test
    void replicasRunAsContainersAFailedOneIsReplacedAndARestartedAgentAdoptsTheRest() throws Exception {
        createService("web", 2);
        await().atMost(WAIT)
                .until(() -> running("web").size() == 2 && runningContainers().size() == 2);
        Map<String, TaskStatus> first = running("web");
        Set<String> ids = first.values().stream().map(TaskStatus::containerId).collect(Collectors.toSet());
        assertThat(ids).isEqualTo(runningContainers());
        for (Map.Entry<String, TaskStatus> e : first.entrySet()) {
            assertThat(docker.inspectContainerCmd(e.getValue().containerId())
                            .exec()
                            .getConfig()
                            .getLabels())
                    .containsEntry("io.shoal.task", e.getKey())
                    .containsEntry("io.shoal.service", "web");
        }

        // Killed behind the agent's back: FAILED with the exit code, and the orchestrator replaces it.
        String victimTask = first.keySet().iterator().next();
        String victim = first.get(victimTask).containerId();
        docker.killContainerCmd(victim).withSignal("SIGKILL").exec();
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            TaskStatus s = view().get(Kind.STATUS, victimTask).orElseThrow();
            assertThat(s.state()).isEqualTo(TaskState.FAILED);
            assertThat(s.exitCode()).isEqualTo(137);
            assertThat(s.error()).contains("non-zero exit (137)");
        });
        await().atMost(WAIT)
                .until(() -> running("web").size() == 2
                        && !running("web").containsKey(victimTask)
                        && runningContainers().size() == 2
                        && !runningContainers().contains(victim));

        // The agent restarts: it adopts the running containers instead of making new ones.
        Map<String, TaskStatus> before = running("web");
        Set<String> containersBefore = runningContainers();
        stopAgent();
        assertThat(runningContainers()).as("tasks outlive their agent").isEqualTo(containersBefore);
        startAgent();
        Map<String, String> adopted = agent.worker().runtimes();
        assertThat(adopted.keySet()).isEqualTo(before.keySet());
        assertThat(Set.copyOf(adopted.values())).isEqualTo(containersBefore);
        // Give it a few passes: nothing is recreated, the tasks stay RUNNING.
        await().pollDelay(Duration.ofSeconds(2)).atMost(WAIT).untilAsserted(() -> {
            assertThat(running("web").keySet()).isEqualTo(before.keySet());
            assertThat(DockerCleanup.labelled(docker, node))
                    .extracting(Container::getId)
                    .containsExactlyInAnyOrderElementsOf(containersBefore);
        });

        // Scale to 0: the containers are stopped (SIGTERM, trapped) and removed, the tasks SHUTDOWN.
        scale("web", 0);
        await().atMost(WAIT).until(() -> DockerCleanup.labelled(docker, node).isEmpty());
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            for (String t : before.keySet()) {
                assertThat(view().get(Kind.STATUS, t).map(TaskStatus::state)).contains(TaskState.SHUTDOWN);
            }
        });
    }

    @Test
    void tasksKeepRunningWithoutZooKeeperAndTheirReportsLandAfterItReturns() throws Exception {
        createService("api", 2);
        await().atMost(WAIT)
                .until(() -> running("api").size() == 2 && runningContainers().size() == 2);
        Map<String, TaskStatus> first = running("api");
        String victimTask = first.keySet().iterator().next();

        server.stop();
        await().atMost(WAIT).until(() -> !agent.store().connected());
        // Static stability: nothing is stopped for lack of ZooKeeper...
        await().pollDelay(Duration.ofSeconds(2))
                .atMost(WAIT)
                .until(() -> runningContainers().size() == 2);
        // ...and a container that dies meanwhile is observed, its report kept for later.
        docker.killContainerCmd(first.get(victimTask).containerId())
                .withSignal("SIGKILL")
                .exec();
        await().atMost(WAIT).until(() -> runningContainers().size() == 1);

        server.restart();
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(
                        view().read(Kind.STATUS, victimTask).map(s -> s.value().state()))
                .isEqualTo(Optional.of(TaskState.FAILED)));
        await().atMost(WAIT)
                .until(() -> running("api").size() == 2 && runningContainers().size() == 2);
        assertThat(running("api")).doesNotContainKey(victimTask);
    }

    @Test
    void aHealthCheckedTaskRunsOnceHealthyAndAnUnhealthyOneFailsAndIsReplaced() {
        createService(
                "ok", 1, TestTasks.withHealth(TestTasks.container(LOOP_UNTIL_TERM), List.of("CMD", "echo", "ok")));
        createService(
                "sick",
                1,
                TestTasks.withHealth(TestTasks.container(LOOP_UNTIL_TERM), List.of("CMD", "cat", "/no/such/file")));

        await().atMost(WAIT).until(() -> running("ok").size() == 1);
        String ok = running("ok").values().iterator().next().containerId();
        assertThat(docker.inspectContainerCmd(ok).exec().getState().getHealth().getStatus())
                .isEqualTo("healthy");

        // Never healthy: it never counts as RUNNING, fails as unhealthy, and its slot gets a new task.
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            TaskStatus first = view().get(Kind.STATUS, "sick.1.0").orElseThrow();
            assertThat(first.state()).isEqualTo(TaskState.FAILED);
            assertThat(first.error()).isEqualTo("task: container unhealthy");
        });
        await().atMost(WAIT).until(() -> view().get(Kind.TASKS, "sick.1.1").isPresent());
        assertThat(running("sick")).isEmpty();
    }

    @Test
    void aContainerThatDiedWhileTheAgentWasDownIsReportedFailedAfterTheRestart() throws Exception {
        createService("db", 2);
        await().atMost(WAIT)
                .until(() -> running("db").size() == 2 && runningContainers().size() == 2);
        Map<String, TaskStatus> before = running("db");
        List<String> tasks = new ArrayList<>(before.keySet());
        String dead = tasks.get(0);
        String alive = tasks.get(1);

        stopAgent();
        docker.killContainerCmd(before.get(dead).containerId())
                .withSignal("SIGKILL")
                .exec();
        startAgent();

        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            TaskStatus s = view().get(Kind.STATUS, dead).orElseThrow();
            assertThat(s.state()).isEqualTo(TaskState.FAILED);
            assertThat(s.exitCode()).isEqualTo(137);
        });
        // The survivor was adopted (same container), the dead one's slot refilled.
        await().atMost(WAIT)
                .until(() -> running("db").size() == 2 && !running("db").containsKey(dead));
        assertThat(running("db").get(alive).containerId())
                .isEqualTo(before.get(alive).containerId());
    }

    @Test
    void twoAgentsSharingOneEngineEachRunAndStopOnlyTheirOwnContainers() throws Exception {
        String node2 = run + "-n2";
        CuratorFramework c2 = Zk.client(server.getConnectString());
        open.add(c2);
        open.add(() -> DockerCleanup.removeAll(node2)); // closed in reverse: after agent 2 stopped
        ShoalAgent agent2 = new ShoalAgent(
                c2,
                Layout.DEFAULT,
                new Member(node2, "host2-" + run, List.of("198.18.0.2"), Resources.of(2, 2048), "test", Instant.now()),
                DockerExecutor.open(Requirements.DOCKER_SOCKET, node2),
                Duration.ofMillis(500));
        open.add(agent2);
        agent2.start();
        await().atMost(WAIT)
                .until(() -> view().list(Kind.NODES).stream()
                                .filter(n -> n.status().state() == NodeState.READY)
                                .count()
                        == 2);

        createService("pair", 4);
        await().atMost(WAIT).until(() -> running("pair").size() == 4);
        Map<String, Long> perNode = view().list(Kind.TASKS).stream()
                .filter(t -> running("pair").containsKey(t.id()))
                .collect(Collectors.groupingBy(t -> t.nodeId(), Collectors.counting()));
        assertThat(perNode).containsOnly(Map.entry(node, 2L), Map.entry(node2, 2L));
        await().atMost(WAIT)
                .until(() -> DockerCleanup.labelled(docker, node).size() == 2
                        && DockerCleanup.labelled(docker, node2).size() == 2);
        Set<String> theirs = DockerCleanup.labelled(docker, node2).stream()
                .map(Container::getId)
                .collect(Collectors.toSet());

        // Agent 1 restarts: it adopts its two and leaves the other node's two alone.
        stopAgent();
        startAgent();
        assertThat(agent.worker().runtimes()).hasSize(2);
        assertThat(agent.worker().runtimes().values()).doesNotContainAnyElementsOf(theirs);
        await().pollDelay(Duration.ofSeconds(1)).atMost(WAIT).untilAsserted(() -> assertThat(
                        DockerCleanup.labelled(docker, node2).stream().map(Container::getId))
                .containsExactlyInAnyOrderElementsOf(theirs));
        assertThat(running("pair")).hasSize(4);
    }

    @Test
    void aTaskThatFinishesWithExitZeroIsCompleteAndItsContainerRemoved() {
        createService(
                "once",
                1,
                TestTasks.container("sleep 0.5; exit 0"),
                new RestartPolicy(RestartCondition.NONE, Duration.ZERO, 0, null));
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            TaskStatus s = view().get(Kind.STATUS, "once.1.0").orElseThrow();
            assertThat(s.state()).isEqualTo(TaskState.COMPLETE);
            assertThat(s.exitCode()).isZero();
            assertThat(s.containerId()).isNotEmpty();
        });
        await().atMost(WAIT).until(() -> DockerCleanup.labelled(docker, node).isEmpty());
        // Restart condition none: the slot stays empty.
        await().pollDelay(Duration.ofSeconds(1)).atMost(WAIT).until(() -> view().get(Kind.TASKS, "once.1.1")
                .isEmpty());
    }
}
