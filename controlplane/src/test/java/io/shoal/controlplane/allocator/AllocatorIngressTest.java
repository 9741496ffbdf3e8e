package io.shoal.controlplane.allocator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.controlplane.ingress.Ingress;
import io.shoal.model.Cidr;
import io.shoal.model.ClusterSpec;
import io.shoal.model.EndpointSpec;
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
import io.shoal.model.PortConfig;
import io.shoal.model.Resources;
import io.shoal.model.Service;
import io.shoal.model.ServiceSpec;
import io.shoal.model.Task;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AllocatorIngressTest {
    private final ClusterSpec cluster = ClusterSpec.withPools("100.64.0.0/10");
    private final Map<String, Network> networks = new HashMap<>();

    private Network add(Allocator a, Network n) {
        Network done = a.allocate(n);
        networks.put(done.id(), done);
        networks.put(done.name(), done);
        return done;
    }

    private static Service web(EndpointSpec endpoint) {
        ServiceSpec spec = ServiceSpec.replicated("web", "img", 2).withEndpoint(endpoint);
        spec = spec.withTask(spec.task().withNetworks(List.of(NetworkAttachmentConfig.of("front"))));
        return Service.created(Meta.created("s1", Instant.EPOCH), spec);
    }

    private static Node node(String id, Cidr ingressAddress) {
        return new Node(
                Meta.created(id, Instant.EPOCH),
                new NodeSpec("", NodeRole.WORKER, NodeAvailability.ACTIVE, Map.of()),
                new NodeDescription("host-" + id, List.of("198.18.0.1"), Resources.of(2, 2048)),
                new NodeStatus(NodeState.DOWN, "", Instant.EPOCH, ingressAddress));
    }

    @Test
    void publishingServiceGetsAVipOnIngressAndItsTasksAnAddressThere() {
        Allocator a = new Allocator(cluster);
        Network ingress = add(a, Ingress.network(Instant.EPOCH));
        Network front = add(a, Network.unallocated(Meta.created("f1", Instant.EPOCH), NetworkSpec.overlay("front")));
        assertThat(a.ingressNetwork()).isEqualTo(ingress);

        Service web = web(EndpointSpec.ports(PortConfig.ingress(8080, 80)));
        web = web.withEndpoint(a.allocate(web, networks::get));
        assertThat(web.endpoint().virtualIps()).extracting(v -> v.networkId()).containsExactly("f1", "ingress");
        assertThat(ingress.subnet().contains(web.endpoint().vipOn("ingress").address()))
                .isTrue();

        Task t = Task.forSlot(Meta.created("t1", Instant.EPOCH), "s1", 0, 1, Ingress.taskSpec(web.spec(), ingress));
        Map<String, Cidr> addrs = a.allocate(t, networks::get);
        assertThat(addrs.keySet()).containsExactly("f1", "ingress");
        assertThat(front.subnet().contains(addrs.get("f1").address())).isTrue();
        assertThat(addrs.get("ingress")).isNotEqualTo(web.endpoint().vipOn("ingress"));

        // Without published ports the service has no VIP on ingress, and the old one is given back.
        int inUse = a.poolOf("ingress").inUse();
        Service unpublished = web.updatedTo(web.spec().withEndpoint(EndpointSpec.DEFAULT));
        assertThat(a.allocate(unpublished, networks::get).virtualIps())
                .extracting(v -> v.networkId())
                .containsExactly("f1");
        assertThat(a.poolOf("ingress").inUse()).isEqualTo(inUse - 1);
    }

    @Test
    void nodesGetDistinctIngressAddressesKeptUntilTheNodeIsReleased() {
        Allocator a = new Allocator(cluster);
        assertThatThrownBy(() -> a.allocateNode("n1", null))
                .hasMessage("node n1: there is no allocated ingress network yet");
        Network ingress = add(a, Ingress.network(Instant.EPOCH));

        Set<Cidr> seen = new HashSet<>();
        for (int i = 1; i <= 20; i++) {
            Cidr got = a.allocateNode("n" + i, null);
            assertThat(ingress.subnet().contains(got.address())).isTrue();
            assertThat(got.prefix()).isEqualTo(24);
            assertThat(got).isNotEqualTo(ingress.gateway());
            assertThat(seen.add(got)).as("address of n%d is unique", i).isTrue();
        }
        Cidr n1 = a.nodeAddress("n1");
        assertThat(a.allocateNode("n1", null)).as("asked again").isEqualTo(n1);
        assertThat(a.allocateNode("n1", n1)).isEqualTo(n1);

        int inUse = a.poolOf("ingress").inUse();
        a.releaseNode("n1");
        assertThat(a.poolOf("ingress").inUse()).isEqualTo(inUse - 1);
        assertThat(a.nodeAddress("n1")).isNull();
        assertThat(a.poolOf("ingress").ownerOf(n1)).isNull();
    }

    @Test
    void aNewLeaderRestoresNodeAddressesAndNeverHandsThemOutAgain() {
        Allocator old = new Allocator(cluster);
        Network ingress = add(old, Ingress.network(Instant.EPOCH));
        List<Node> nodes = List.of(
                node("n1", old.allocateNode("n1", null)), node("n2", old.allocateNode("n2", null)), node("n3", null));
        Set<Cidr> held = Set.of(
                nodes.get(0).status().ingressAddress(), nodes.get(1).status().ingressAddress());

        Allocator fresh = new Allocator(cluster);
        fresh.restore(List.of(ingress), List.of(), List.of(), nodes);
        assertThat(fresh.nodeAddress("n1")).isEqualTo(nodes.get(0).status().ingressAddress());
        Service web = web(EndpointSpec.ports(PortConfig.ingress(8080, 80)));
        add(fresh, Network.unallocated(Meta.created("f1", Instant.EPOCH), NetworkSpec.overlay("front")));
        assertThat(fresh.allocate(web, networks::get).vipOn("ingress")).isNotIn(held);
        for (int i = 0; i < 30; i++) {
            Task t = Task.forSlot(
                    Meta.created("t" + i, Instant.EPOCH), "s1", 0, 1, Ingress.taskSpec(web.spec(), ingress));
            assertThat(fresh.allocate(t, networks::get).get("ingress")).isNotIn(held);
        }
        assertThat(fresh.allocateNode("n3", null)).isNotIn(held);
        assertThat(fresh.allocateNode("n2", nodes.get(1).status().ingressAddress()))
                .isEqualTo(nodes.get(1).status().ingressAddress());
    }

    @Test
    void aStoredAddressOutsideTheIngressSubnetIsReplaced() {
        Allocator a = new Allocator(cluster);
        Network ingress = add(a, Ingress.network(Instant.EPOCH));
        Cidr stale = Cidr.parse("a", "100.127.0.9/24");
        a.restore(List.of(ingress), List.of(), List.of(), List.of(node("n1", stale)));
        assertThat(a.nodeAddress("n1")).isNull();
        Cidr got = a.allocateNode("n1", stale);
        assertThat(ingress.subnet().contains(got.address())).isTrue();
    }
}
