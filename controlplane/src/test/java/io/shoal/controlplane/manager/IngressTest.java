package io.shoal.controlplane.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.controlplane.SimAgents;
import io.shoal.controlplane.ZkSupport;
import io.shoal.controlplane.ingress.Ingress;
import io.shoal.controlplane.membership.MemberRecord;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Layout;
import io.shoal.controlplane.store.Store;
import io.shoal.controlplane.table.ServiceTables;
import io.shoal.model.Cidr;
import io.shoal.model.ClusterSpec;
import io.shoal.model.EndpointSpec;
import io.shoal.model.Member;
import io.shoal.model.Meta;
import io.shoal.model.Network;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.NetworkSpec;
import io.shoal.model.Node;
import io.shoal.model.NodeState;
import io.shoal.model.PortConfig;
import io.shoal.model.Protocol;
import io.shoal.model.Resources;
import io.shoal.model.Service;
import io.shoal.model.ServiceSpec;
import io.shoal.model.Task;
import io.shoal.model.TaskState;
import io.shoal.model.TaskStatus;
import io.shoal.model.table.ServiceEntry;
import io.shoal.model.table.ServiceTable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

/**
 * The routing mesh's network on real ZooKeeper: two managers, two simulated agents, a service
 * publishing 8080 on a user network. The ingress network is made and allocated, nodes and tasks get
 * addresses on it, and all of it survives a leader failover unchanged.
 */
class IngressTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Cidr POOL = Cidr.parse("pool", "100.64.0.0/10");

    private static List<Task> liveRunning(Store store) {
        return store.list(Kind.TASKS).stream()
                .filter(t -> t.serviceId().equals("web") && t.desiredState() == TaskState.RUNNING)
                .filter(t -> store.get(Kind.STATUS, t.id())
                        .map(st -> st.state() == TaskState.RUNNING)
                        .orElse(false))
                .toList();
    }

    private static Map<String, Cidr> nodeAddresses(Store store) {
        Map<String, Cidr> out = new HashMap<>();
        for (Node n : store.list(Kind.NODES)) {
            if (n.status().ingressAddress() != null) {
                out.put(n.id(), n.status().ingressAddress());
            }
        }
        return out;
    }

    private static ServiceTable table(Store store) {
        Map<String, TaskStatus> statuses = new HashMap<>();
        for (Task t : store.list(Kind.TASKS)) {
            store.get(Kind.STATUS, t.id()).ifPresent(st -> statuses.put(t.id(), st));
        }
        return ServiceTables.build(
                1, store.list(Kind.NETWORKS), store.list(Kind.SERVICES), store.list(Kind.TASKS), statuses);
    }

    @Test
    void ingressNetworkNodeAddressesAndImplicitAttachmentSurviveAFailover() throws Exception {
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
                            ClusterSpec.withPools(POOL.toString()),
                            Duration.ofSeconds(30),
                            Clock.systemUTC());
                    open.add(m);
                    managers.add(m);
                    m.start();
                }
                CuratorFramework agentClient = ZkSupport.client(server.getConnectString());
                open.add(agentClient);
                for (int i = 1; i <= 2; i++) {
                    MemberRecord r = new MemberRecord(
                            agentClient,
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
                }
                Store view = new Store(agentClient);
                open.add(view);
                view.start();
                SimAgents agents = new SimAgents(view, "web");
                open.add(agents);
                await().atMost(WAIT)
                        .until(() -> managers.stream().filter(Manager::isLeader).count() == 1);
                Manager first =
                        managers.stream().filter(Manager::isLeader).findFirst().orElseThrow();

                // The leader made the ingress network and allocated it from the default pool.
                await().atMost(WAIT).until(() -> {
                    Network n = Ingress.find(view.list(Kind.NETWORKS));
                    return n != null && n.allocated();
                });
                Network ingress = Ingress.find(view.list(Kind.NETWORKS));
                assertThat(ingress.name()).isEqualTo("ingress");
                assertThat(ingress.spec().ingress()).isTrue();
                assertThat(POOL.contains(ingress.subnet().address())).isTrue();
                assertThat(view.list(Kind.NETWORKS).stream()
                                .filter(n -> n.spec().ingress()))
                        .hasSize(1);

                // Each node has its own address on it.
                await().atMost(WAIT).until(() -> nodeAddresses(view).size() == 2);
                Map<String, Cidr> nodes = nodeAddresses(view);
                assertThat(new HashSet<>(nodes.values())).hasSize(2);
                for (Cidr a : nodes.values()) {
                    assertThat(ingress.subnet().contains(a.address()))
                            .as("%s in %s", a, ingress.subnet())
                            .isTrue();
                    assertThat(a.prefix()).isEqualTo(ingress.subnet().prefix());
                    assertThat(a).isNotEqualTo(ingress.gateway());
                }
                assertThat(view.list(Kind.NODES)).allMatch(n -> n.status().state() == NodeState.READY);

                first.store()
                        .create(
                                Kind.NETWORKS,
                                Network.unallocated(
                                        Meta.created("front", Instant.now()), NetworkSpec.overlay("front")));
                ServiceSpec spec = ServiceSpec.replicated("web", "img:1", 2)
                        .withEndpoint(EndpointSpec.ports(PortConfig.ingress(8080, 80)));
                spec = spec.withTask(spec.task().withNetworks(List.of(NetworkAttachmentConfig.of("front", "www"))));
                first.store().create(Kind.SERVICES, Service.created(Meta.created("web", Instant.now()), spec));
                await().atMost(WAIT).until(() -> liveRunning(view).size() == 2);

                Service web = view.get(Kind.SERVICES, "web").orElseThrow();
                Network front = view.get(Kind.NETWORKS, "front").orElseThrow();
                Cidr frontVip = web.endpoint().vipOn("front");
                Cidr ingressVip = web.endpoint().vipOn(ingress.id());
                assertThat(frontVip).isNotNull();
                assertThat(ingressVip).isNotNull();
                assertThat(ingress.subnet().contains(ingressVip.address())).isTrue();
                assertThat(nodes.values()).doesNotContain(ingressVip);
                assertThat(web.endpoint().ports())
                        .extracting(PortConfig::publishedPort)
                        .containsExactly(8080);
                Map<String, Map<String, Cidr>> taskAddresses = new HashMap<>();
                for (Task t : liveRunning(view)) {
                    assertThat(t.spec().networks())
                            .extracting(NetworkAttachmentConfig::target)
                            .containsExactly("front", ingress.id());
                    assertThat(t.addresses()).containsOnlyKeys("front", ingress.id());
                    assertThat(front.subnet()
                                    .contains(t.addresses().get("front").address()))
                            .isTrue();
                    assertThat(nodes.values()).doesNotContain(t.addresses().get(ingress.id()));
                    taskAddresses.put(t.id(), t.addresses());
                }

                // What an agent serves from: the mesh port names the service, ingress reaches its tasks.
                ServiceTable table = table(view);
                assertThat(table.publishedPort(8080, Protocol.TCP))
                        .map(p -> p.service().name())
                        .contains("web");
                assertThat(table.network("ingress")).isPresent();
                ServiceEntry entry = table.service("web").orElseThrow();
                assertThat(entry.vips()).containsOnlyKeys("front", ingress.id());
                assertThat(entry.readyAddressesOn(ingress.id())).hasSize(2);
                assertThat(entry.aliases()).isEqualTo(Map.of("front", Set.of("www")));

                // The leader's session expires: the other manager leads and keeps every address.
                KillSession.kill(managerClients
                        .get(managers.indexOf(first))
                        .getZookeeperClient()
                        .getZooKeeper());
                Manager second = managers.get(1 - managers.indexOf(first));
                await().atMost(WAIT).until(second::isLeader);
                Service before =
                        second.store().read(Kind.SERVICES, "web").orElseThrow().value();
                second.store()
                        .update(Kind.SERVICES, before.updatedTo(before.spec().withReplicas(3), Instant.now()));
                await().atMost(WAIT).until(() -> liveRunning(view).size() == 3);

                assertThat(nodeAddresses(view)).isEqualTo(nodes);
                Service after = view.get(Kind.SERVICES, "web").orElseThrow();
                assertThat(after.endpoint().vipOn("front")).isEqualTo(frontVip);
                assertThat(after.endpoint().vipOn(ingress.id())).isEqualTo(ingressVip);
                assertThat(view.list(Kind.NETWORKS).stream()
                                .filter(n -> n.spec().ingress()))
                        .hasSize(1);
                Set<Cidr> owned = new HashSet<>(nodes.values());
                owned.add(ingressVip);
                for (Task t : liveRunning(view)) {
                    if (taskAddresses.containsKey(t.id())) {
                        assertThat(t.addresses()).isEqualTo(taskAddresses.get(t.id()));
                    }
                    assertThat(owned.add(t.addresses().get(ingress.id())))
                            .as("ingress address of %s is unique", t.id())
                            .isTrue();
                }

                // The service stops publishing: the tasks roll to ones without the ingress network.
                Service published = view.get(Kind.SERVICES, "web").orElseThrow();
                Service unpublished =
                        second.store().read(Kind.SERVICES, "web").orElseThrow().value();
                second.store()
                        .update(
                                Kind.SERVICES,
                                unpublished.updatedTo(
                                        unpublished.spec().withEndpoint(EndpointSpec.DEFAULT), Instant.now()));
                await().atMost(WAIT).until(() -> {
                    List<Task> now = liveRunning(view);
                    return now.size() == 3
                            && now.stream().noneMatch(t -> t.addresses().containsKey(ingress.id()));
                });
                assertThat(liveRunning(view))
                        .allSatisfy(t -> assertThat(t.spec().networks())
                                .extracting(NetworkAttachmentConfig::target)
                                .containsExactly("front"));
                await().atMost(WAIT)
                        .until(() -> view.get(Kind.SERVICES, "web")
                                        .orElseThrow()
                                        .endpoint()
                                        .vipOn(ingress.id())
                                == null);
                assertThat(published.endpoint().vipOn(ingress.id())).isEqualTo(ingressVip);
                assertThat(table(view).publishedPort(8080, Protocol.TCP)).isEmpty();

                // A node going down keeps its ingress address.
                open.stream()
                        .filter(o -> o instanceof MemberRecord)
                        .findFirst()
                        .orElseThrow()
                        .close();
                await().atMost(WAIT)
                        .until(() -> view.get(Kind.NODES, "n1")
                                        .orElseThrow()
                                        .status()
                                        .state()
                                == NodeState.DOWN);
                assertThat(view.get(Kind.NODES, "n1").orElseThrow().status().ingressAddress())
                        .isEqualTo(nodes.get("n1"));
                assertThat(nodeAddresses(view)).isEqualTo(nodes);
                assertThat(nodes.keySet().stream().sorted().collect(Collectors.toList()))
                        .containsExactly("n1", "n2");

                // The down node is removed (long before its 30 s grace period): its tasks move to n2.
                assertThat(liveRunning(view)).anyMatch(t -> t.nodeId().equals("n1"));
                Store admin = second.store();
                admin.delete(
                        Kind.NODES,
                        "n1",
                        admin.read(Kind.NODES, "n1").orElseThrow().version());
                await().atMost(WAIT).until(() -> {
                    List<Task> now = liveRunning(view);
                    return now.size() == 3
                            && now.stream().allMatch(t -> t.nodeId().equals("n2"));
                });
                assertThat(nodeAddresses(view)).containsOnlyKeys("n2");
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
