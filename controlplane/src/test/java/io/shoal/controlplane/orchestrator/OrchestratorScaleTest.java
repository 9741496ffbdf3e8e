package io.shoal.controlplane.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.controlplane.ZkSupport;
import io.shoal.controlplane.allocator.Allocator;
import io.shoal.controlplane.scheduler.Scheduler;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Layout;
import io.shoal.controlplane.store.Store;
import io.shoal.model.ClusterSpec;
import io.shoal.model.Meta;
import io.shoal.model.Network;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.NetworkSpec;
import io.shoal.model.Node;
import io.shoal.model.NodeAvailability;
import io.shoal.model.NodeDescription;
import io.shoal.model.NodeRole;
import io.shoal.model.NodeSpec;
import io.shoal.model.NodeState;
import io.shoal.model.NodeStatus;
import io.shoal.model.Resources;
import io.shoal.model.Service;
import io.shoal.model.ServiceSpec;
import io.shoal.model.Task;
import io.shoal.model.TaskState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A thousand replicas on a hundred simulated nodes: more writes than one ZooKeeper request holds. */
@Tag("integration")
class OrchestratorScaleTest {
    private static final Logger log = LoggerFactory.getLogger(OrchestratorScaleTest.class);

    private static List<Task> assigned(Store store) {
        return store.list(Kind.TASKS).stream()
                .filter(t -> t.desiredState() == TaskState.RUNNING && t.status().state() == TaskState.ASSIGNED)
                .toList();
    }

    @Test
    void aThousandReplicasOnAHundredNodesAreAllAssignedEvenlyWithUniqueAddresses() throws Exception {
        try (TestingServer server = ZkSupport.server()) {
            try (CuratorFramework client = ZkSupport.client(server.getConnectString());
                    Store store = new Store(client, Layout.DEFAULT, Clock.systemUTC(), Duration.ofSeconds(10));
                    Orchestrator orchestrator = new Orchestrator(
                            store,
                            null,
                            new Allocator(ClusterSpec.withPools("100.64.0.0/10")),
                            Scheduler.defaults(),
                            Clock.systemUTC())) {
                store.start();
                for (int i = 0; i < 100; i++) {
                    String id = String.format("n%03d", i);
                    store.create(
                            Kind.NODES,
                            new Node(
                                    Meta.created(id, Instant.now()),
                                    new NodeSpec("", NodeRole.WORKER, NodeAvailability.ACTIVE, Map.of()),
                                    new NodeDescription(
                                            "host-" + id, List.of("198.18.1." + (i + 1)), Resources.of(8, 16384)),
                                    NodeStatus.of(NodeState.READY, "", Instant.now())));
                }
                store.create(
                        Kind.NETWORKS,
                        Network.unallocated(
                                Meta.created("net1", Instant.now()), NetworkSpec.overlay("big", "100.64.0.0/22")));
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> store.list(Kind.NODES).size() == 100);
                orchestrator.start();

                long started = System.nanoTime();
                ServiceSpec spec = ServiceSpec.replicated("web", "img:1", 1000);
                store.create(
                        Kind.SERVICES,
                        Service.created(
                                Meta.created("web", Instant.now()),
                                spec.withTask(spec.task().withNetworks(List.of(NetworkAttachmentConfig.of("big"))))));
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> assigned(store).size() == 1000);
                Duration took = Duration.ofNanos(System.nanoTime() - started);
                log.info("1000 replicas on 100 nodes assigned in {} ms", took.toMillis());

                List<Task> tasks = assigned(store);
                Map<String, Long> perNode =
                        tasks.stream().collect(Collectors.groupingBy(Task::nodeId, Collectors.counting()));
                assertThat(perNode).hasSize(100);
                assertThat(perNode.values()).containsOnly(10L);
                Set<String> addresses = new HashSet<>();
                for (Task t : tasks) {
                    assertThat(addresses.add(t.addresses().get("net1").toString()))
                            .isTrue();
                }
                assertThat(tasks).extracting(Task::slot).doesNotHaveDuplicates();

                Service web = store.read(Kind.SERVICES, "web").orElseThrow().value();
                store.update(Kind.SERVICES, web.updatedTo(web.spec().withReplicas(500)));
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> assigned(store).size() == 500);
                assertThat(assigned(store)).allMatch(t -> t.slot() <= 500);
            }
        }
    }
}
