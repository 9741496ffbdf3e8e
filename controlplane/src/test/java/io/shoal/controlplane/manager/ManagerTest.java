package io.shoal.controlplane.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.controlplane.ZkSupport;
import io.shoal.controlplane.membership.MemberRecord;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Layout;
import io.shoal.controlplane.store.Store;
import io.shoal.model.ClusterSpec;
import io.shoal.model.Member;
import io.shoal.model.Meta;
import io.shoal.model.Network;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.NetworkSpec;
import io.shoal.model.NodeState;
import io.shoal.model.Resources;
import io.shoal.model.Service;
import io.shoal.model.ServiceSpec;
import io.shoal.model.Task;
import io.shoal.model.TaskState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

/** Two managers and three simulated agents on one real ZooKeeper. */
class ManagerTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static List<Task> live(Store store, String serviceId) {
        return store.list(Kind.TASKS).stream()
                .filter(t -> t.serviceId().equals(serviceId) && t.desiredState() == TaskState.RUNNING)
                .filter(t -> t.status().state() == TaskState.ASSIGNED)
                .toList();
    }

    private static Map<String, Long> perNode(List<Task> tasks) {
        return tasks.stream().collect(Collectors.groupingBy(Task::nodeId, Collectors.counting()));
    }

    @Test
    void onlyTheLeaderReconcilesAndTheNextLeaderCarriesOnWithNothingLost() throws Exception {
        List<AutoCloseable> open = new ArrayList<>();
        try (TestingServer server = ZkSupport.server()) {
            try {
                List<Manager> managers = new ArrayList<>();
                List<CuratorFramework> managerClients = new ArrayList<>();
                for (String id : List.of("m1", "m2")) {
                    CuratorFramework c = ZkSupport.client(server.getConnectString());
                    open.add(c);
                    managerClients.add(c);
                    Manager m = new Manager(
                            c,
                            Layout.DEFAULT,
                            id,
                            ClusterSpec.withPools("100.64.0.0/10"),
                            Duration.ofSeconds(1),
                            Clock.systemUTC());
                    open.add(m);
                    managers.add(m);
                    m.start();
                }
                List<MemberRecord> agents = new ArrayList<>();
                for (int i = 1; i <= 3; i++) {
                    CuratorFramework c = ZkSupport.client(server.getConnectString());
                    open.add(c);
                    MemberRecord r = new MemberRecord(
                            c,
                            Layout.DEFAULT,
                            new Member(
                                    "n" + i,
                                    "host" + i,
                                    List.of("198.18.0." + i),
                                    Resources.of(2, 2048),
                                    "test",
                                    Instant.now()));
                    open.add(r);
                    r.start(Duration.ofSeconds(10));
                    agents.add(r);
                }
                await().atMost(WAIT)
                        .until(() -> managers.stream().filter(Manager::isLeader).count() == 1);
                Manager first =
                        managers.stream().filter(Manager::isLeader).findFirst().orElseThrow();
                Store view = managers.get(0).store();
                // The leader registers the agents' nodes from their member records.
                await().atMost(WAIT)
                        .until(() -> view.list(Kind.NODES).stream()
                                        .filter(n -> n.status().state() == NodeState.READY)
                                        .count()
                                == 3);

                view.create(
                        Kind.NETWORKS,
                        Network.unallocated(Meta.created("net1", Instant.now()), NetworkSpec.overlay("backend")));
                ServiceSpec spec = ServiceSpec.replicated("web", "img:1", 6);
                view.create(
                        Kind.SERVICES,
                        Service.created(
                                Meta.created("web", Instant.now()),
                                spec.withTask(
                                        spec.task().withNetworks(List.of(NetworkAttachmentConfig.of("backend"))))));
                await().atMost(WAIT).until(() -> live(view, "web").size() == 6);
                assertThat(perNode(live(view, "web")).values()).containsOnly(2L);
                Set<String> before = live(view, "web").stream().map(Task::id).collect(Collectors.toSet());

                // The leader's session expires: the other manager takes over and carries on.
                KillSession.kill(managerClients
                        .get(managers.indexOf(first))
                        .getZookeeperClient()
                        .getZooKeeper());
                Manager second = managers.get(1 - managers.indexOf(first));
                await().atMost(WAIT).until(second::isLeader);
                Service web =
                        second.store().read(Kind.SERVICES, "web").orElseThrow().value();
                second.store().update(Kind.SERVICES, web.updatedTo(web.spec().withReplicas(9)));
                await().atMost(WAIT).until(() -> live(second.store(), "web").size() == 9);
                Set<String> after =
                        live(second.store(), "web").stream().map(Task::id).collect(Collectors.toSet());
                assertThat(after).containsAll(before);
                assertThat(perNode(live(second.store(), "web")).values()).containsOnly(3L);
                Set<String> addresses = new HashSet<>();
                for (Task t : live(second.store(), "web")) {
                    assertThat(addresses.add(t.addresses().get("net1").toString()))
                            .as("unique address for %s", t.id())
                            .isTrue();
                }

                // An agent goes away for good: after the grace period its tasks run elsewhere.
                agents.get(0).close();
                await().atMost(WAIT).until(() -> {
                    List<Task> now = live(second.store(), "web");
                    return now.size() == 9 && !perNode(now).containsKey("n1");
                });
                assertThat(perNode(live(second.store(), "web")).values()).containsExactlyInAnyOrder(5L, 4L);
            } finally {
                for (int i = open.size() - 1; i >= 0; i--) {
                    try {
                        open.get(i).close();
                    } catch (Exception e) {
                        // keep closing
                    }
                }
            }
        }
    }
}
