package io.shoal.agent.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.model.Container;
import io.shoal.model.NodeState;
import io.shoal.model.Service;
import io.shoal.testbed.HostProcess;
import io.shoal.testbed.Requirements;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the cluster does when its parts fail, at the level of tasks and containers: an agent killed
 * and restarted, a host lost, ZooKeeper stopped and restarted. Also checks the fixture's own traffic
 * helpers against a plain web server in a host.
 */
@Tag("integration")
class ClusterFaultsTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static ShoalCluster cluster;

    @RegisterExtension
    static final LogsOnFailure logs = new LogsOnFailure(() -> cluster);

    @BeforeAll
    static void up() {
        Requirements.requireRoot();
        Requirements.requireDocker();
        // Short agent sessions and a grace that still lets a restarted agent (a JVM start, its
        // ZooKeeper session, adoption: several seconds on a loaded machine) come back before its
        // node is declared lost: a lost host is noticed in about 5 + 8 s.
        cluster = ShoalCluster.builder()
                .hosts(3)
                .grace(Duration.ofSeconds(8))
                .agentSessionTimeout(Duration.ofSeconds(5))
                .start();
    }

    @AfterAll
    static void down() {
        ShoalCluster.closeAndCheck(cluster);
    }

    /** Every test leaves the cluster whole and empty for the next. */
    @AfterEach
    void restore() {
        if (cluster == null) {
            return;
        }
        if (!cluster.zookeeperAlive()) {
            cluster.startZooKeeper();
        }
        for (int i = 1; i <= cluster.size(); i++) {
            if (cluster.host(i).isCutOff()) {
                cluster.heal(i);
            }
            if (!cluster.agentAlive(i)) {
                cluster.startAgent(i);
            }
        }
        await().atMost(WAIT).ignoreExceptions().until(() -> cluster.api().healthy());
        for (Service s : cluster.api().services()) {
            cluster.api().removeService(s.id());
        }
        cluster.waitForNodesReady();
        await().atMost(WAIT).until(() -> cluster.containers().isEmpty());
    }

    private static Map<String, String> containerIdsByTask(List<TaskView> tasks) {
        return tasks.stream().collect(Collectors.toMap(TaskView::id, TaskView::containerId));
    }

    private static Set<String> runningContainers() {
        return cluster.containers().stream()
                .filter(c -> "running".equals(c.getState()))
                .map(Container::getId)
                .collect(Collectors.toSet());
    }

    @Test
    void aKilledAgentLeavesItsContainersRunningAndItsRestartAdoptsThem() {
        cluster.api().createService(Services.httpd("adopt", 3));
        Map<String, String> before = containerIdsByTask(cluster.waitForRunning("adopt", 3));
        Set<String> onH2 = cluster.containers(2).stream().map(Container::getId).collect(Collectors.toSet());
        assertThat(onH2).hasSize(1);

        cluster.killAgent(2);
        assertThat(cluster.agentAlive(2)).isFalse();
        assertThat(runningContainers()).as("tasks outlive their agent").containsAll(before.values());

        cluster.startAgent(2);
        // Past the dead agent's session (5 s) and the grace (8 s): the same tasks in the same
        // containers, adopted by the new agent rather than recreated or rescheduled.
        await().during(Duration.ofSeconds(15))
                .atMost(Duration.ofSeconds(25))
                .until(() -> containerIdsByTask(cluster.api().tasks("adopt").stream()
                                        .filter(TaskView::running)
                                        .toList())
                                .equals(before)
                        && runningContainers().containsAll(before.values()));
        cluster.waitForNodesReady();

        // The new agent works: it starts h2's share of a scale-up beside the adopted container.
        cluster.api().scale("adopt", 6);
        List<TaskView> six = cluster.waitForRunning("adopt", 6);
        assertThat(six.stream().collect(Collectors.groupingBy(TaskView::nodeId, Collectors.counting())))
                .containsOnly(
                        Map.entry(cluster.nodeId(1), 2L),
                        Map.entry(cluster.nodeId(2), 2L),
                        Map.entry(cluster.nodeId(3), 2L));
        assertThat(containerIdsByTask(six)).containsAllEntriesOf(before);
        assertThat(cluster.containers(2)).extracting(Container::getId).containsAll(onH2);
    }

    @Test
    void theTasksOfALostHostAreRescheduledOnTheOthers() {
        cluster.api().createService(Services.httpd("moved", 3));
        List<TaskView> first = cluster.waitForRunning("moved", 3);
        String lost = cluster.nodeId(3);
        String lostTask = first.stream()
                .filter(t -> t.nodeId().equals(lost))
                .findFirst()
                .orElseThrow()
                .id();

        cluster.killHost(3);
        assertThat(cluster.containers(3)).noneMatch(c -> "running".equals(c.getState()));
        await().atMost(WAIT)
                .ignoreExceptions()
                .until(() -> cluster.api().node(lost).status().state() == NodeState.DOWN);

        List<TaskView> after =
                cluster.waitForRunning("moved", 3, t -> !t.nodeId().equals(lost));
        assertThat(after).extracting(TaskView::id).doesNotContain(lostTask);
        assertThat(cluster.containers(1).size() + cluster.containers(2).size()).isEqualTo(3);
    }

    @Test
    void tasksKeepRunningWhileZooKeeperIsDownAndAScaleUpConvergesOnceItIsBack() {
        cluster.api().createService(Services.httpd("stable", 3));
        Map<String, String> before = containerIdsByTask(cluster.waitForRunning("stable", 3));

        cluster.stopZooKeeper();
        assertThat(cluster.zookeeperAlive()).isFalse();
        await().atMost(WAIT).until(() -> !cluster.api().healthy());
        // Longer than the agents' 5 s sessions: nothing is stopped for lack of ZooKeeper.
        await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(12)).until(() -> runningContainers()
                .containsAll(before.values()));

        cluster.startZooKeeper();
        await().atMost(WAIT).until(() -> cluster.api().healthy());
        cluster.api().scale("stable", 4);
        Map<String, String> after = containerIdsByTask(cluster.waitForRunning("stable", 4));
        assertThat(after).containsAllEntriesOf(before);
    }

    @Test
    void curlAndTheRequestLoopCountAnswersAndFailuresFromTheClient() throws IOException {
        Path www = Files.createDirectories(cluster.workDir().resolve("www-h2"));
        Files.writeString(www.resolve("index.html"), "hello from h2\n");
        HostProcess httpd = cluster.host(2).start("busybox", "httpd", "-f", "-p", "8081", "-h", www.toString());
        await().atMost(WAIT).until(() -> cluster.host(2).listeningTcpPorts().contains(8081));

        HttpResult ok = cluster.curl(2, 8081);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("hello from h2\n");
        HttpResult refused = cluster.curl(3, 8081);
        assertThat(refused.ok()).isFalse();
        assertThat(refused.status()).isZero();
        assertThat(refused.error()).contains("curl exit 7");

        try (RequestLoop loop = cluster.requestLoop(8081, Duration.ofMillis(50), Duration.ofSeconds(30), 2)) {
            await().atMost(WAIT).until(() -> loop.sent() >= 5);
            assertThat(loop.failed()).isZero();
            httpd.kill();
            await().atMost(WAIT).until(() -> loop.failed() >= 3);
            RequestLoop.Result r = loop.stop();
            assertThat(r.sent()).isGreaterThan(r.failed());
            assertThat(r.bodies()).containsOnlyKeys("hello from h2");
            assertThat(r.failures()).first().asString().startsWith("h2: no answer");
        }
    }
}
