package io.shoal.agent.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.model.Container;
import io.shoal.agent.exec.Labels;
import io.shoal.model.Cidr;
import io.shoal.model.Network;
import io.shoal.model.NetworkSpec;
import io.shoal.model.Node;
import io.shoal.model.NodeAvailability;
import io.shoal.model.NodeState;
import io.shoal.model.Service;
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
        ShoalCluster.closeAndCheck(cluster);
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

    @Test
    void aServiceOnAnOverlayNetworkGetsItsVipAndTaskAddressesFromTheTestPool() {
        String net = cluster.api().createNetwork(NetworkSpec.overlay("appnet"));
        cluster.api().createService(Services.on(Services.idle("pool", 2), "appnet"));
        List<TaskView> running = cluster.waitForRunning("pool", 2);

        Cidr pool = Cidr.parse("pool", ShoalCluster.POOL);
        Network appnet = cluster.api().network("appnet");
        assertThat(appnet.id()).isEqualTo(net);
        assertThat(appnet.subnet()).as("appnet's subnet").isNotNull();
        assertThat(pool.contains(appnet.subnet().address())).isTrue();
        Service s = cluster.api().service("pool");
        assertThat(s.endpoint().virtualIps())
                .filteredOn(v -> v.networkId().equals(net))
                .singleElement()
                .satisfies(v -> assertThat(appnet.subnet().contains(v.address().address()))
                        .isTrue());
        assertThat(running).allSatisfy(t -> assertThat(t.task().addresses()).containsKey(net));
        assertThat(running.stream().map(t -> t.task().addresses().get(net)).distinct())
                .hasSize(2)
                .allSatisfy(
                        a -> assertThat(appnet.subnet().contains(a.address())).isTrue());

        cluster.api().removeService("pool");
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(cluster.containers()).isEmpty());
        // Removing a network in use is refused while the service exists; now it is free.
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            cluster.api().removeNetwork("appnet");
            assertThat(cluster.api().networks()).noneMatch(n -> n.id().equals(net));
        });
    }

    @Test
    void aDrainedNodeHandsItsTaskToTheOthersAndGetsNoneBack() {
        cluster.api().createService(Services.httpd("drained", 3));
        cluster.waitForRunning("drained", 3);
        String h2 = cluster.nodeId(2);
        try {
            cluster.api().setAvailability(h2, NodeAvailability.DRAIN);
            await().atMost(WAIT).untilAsserted(() -> assertThat(
                            cluster.api().node(h2).spec().availability())
                    .isEqualTo(NodeAvailability.DRAIN));
            List<TaskView> moved =
                    cluster.waitForRunning("drained", 3, t -> !t.nodeId().equals(h2));
            assertThat(moved).extracting(TaskView::nodeId).doesNotContain(h2);
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(cluster.containers(2)).isEmpty());
        } finally {
            cluster.api().setAvailability(h2, NodeAvailability.ACTIVE);
            cluster.api().removeService("drained");
        }
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(cluster.containers()).isEmpty());
    }
}
