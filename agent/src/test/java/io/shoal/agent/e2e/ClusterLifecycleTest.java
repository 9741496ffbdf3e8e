package io.shoal.agent.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.model.Container;
import io.shoal.agent.exec.Labels;
import io.shoal.model.Node;
import io.shoal.model.NodeState;
import io.shoal.testbed.Requirements;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three hosts, each its own namespace with its own {@code shoald} JVM and the machine's Docker engine,
 * a manager and ZooKeeper on host 1: the cluster forms, and a service's replicas become real
 * containers spread over the nodes, follow a scale-down and vanish with the service.
 */
@Tag("integration")
class ClusterLifecycleTest {
    private static final Duration WAIT = Duration.ofSeconds(40);

    private static ShoalCluster cluster;

    @RegisterExtension
    static final LogsOnFailure logs = new LogsOnFailure(() -> cluster);

    @BeforeAll
    static void up() {
        Requirements.requireRoot();
        Requirements.requireDocker();
        cluster = ShoalCluster.builder().hosts(3).start();
    }

    @AfterAll
    static void down() {
        if (cluster != null) {
            cluster.close();
            assertThat(cluster.testbed().leftovers().isEmpty())
                    .as(
                            "leftovers of %s: %s",
                            cluster.prefix(), cluster.testbed().leftovers())
                    .isTrue();
        }
    }

    @Test
    void threeAgentsJoinWithTheWorkerTokenAndAdvertiseTheirUnderlayAddress() {
        List<Node> nodes = cluster.api().nodes().stream()
                .filter(n -> cluster.nodeIds().contains(n.id()))
                .toList();
        assertThat(nodes).hasSize(3).allSatisfy(n -> assertThat(n.status().state())
                .isEqualTo(NodeState.READY));
        for (int i = 1; i <= 3; i++) {
            Node n = cluster.api().node(cluster.nodeId(i));
            assertThat(n.description().addresses()).containsExactly("198.18.0." + i);
            assertThat(cluster.log("shoald-h" + i)).contains("join token accepted");
        }
    }

    @Test
    void replicasSpreadOnePerNodeFollowAScaleDownAndLeaveWithTheService() {
        String id = cluster.api().createService(Services.httpd("web", 3));

        List<TaskView> running = cluster.waitForRunning("web", 3);
        assertThat(running.stream().map(TaskView::nodeId).collect(Collectors.toSet()))
                .as("spread: one task per node")
                .containsExactlyInAnyOrderElementsOf(cluster.nodeIds());
        for (int i = 1; i <= 3; i++) {
            List<Container> mine = cluster.containers(i);
            assertThat(mine).as("containers of %s", cluster.nodeId(i)).hasSize(1);
            Container c = mine.get(0);
            assertThat(c.getState()).isEqualTo("running");
            assertThat(c.getLabels()).containsEntry(Labels.SERVICE, id);
            String task = c.getLabels().get(Labels.TASK);
            assertThat(running).anySatisfy(t -> {
                assertThat(t.id()).isEqualTo(task);
                // The task assigned to node i runs in node i's container, started by node i's agent.
                assertThat(t.nodeId()).isEqualTo(c.getLabels().get(Labels.NODE));
                assertThat(c.getId()).isEqualTo(t.containerId());
            });
            // The task's container runs httpd in a network namespace of its own (not the host's).
            assertThat(cluster.listeningTcpPorts(task))
                    .as("httpd listens on :80 in the task's namespace")
                    .contains(80);
            assertThat(cluster.host(i).listeningTcpPorts()).doesNotContain(80);
        }

        cluster.api().scale("web", 1);
        List<TaskView> one = cluster.waitForRunning("web", 1);
        assertThat(running).extracting(TaskView::id).contains(one.get(0).id());
        await().atMost(WAIT).untilAsserted(() -> assertThat(cluster.containers())
                .as("two containers stopped and removed")
                .extracting(Container::getId)
                .containsExactly(one.get(0).containerId()));

        cluster.api().removeService("web");
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(cluster.containers()).isEmpty());
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(cluster.api().services()).noneMatch(s -> s.id().equals(id)));
    }
}
