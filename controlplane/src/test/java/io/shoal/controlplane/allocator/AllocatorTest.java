package io.shoal.controlplane.allocator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.model.Cidr;
import io.shoal.model.ClusterSpec;
import io.shoal.model.EndpointMode;
import io.shoal.model.EndpointSpec;
import io.shoal.model.Meta;
import io.shoal.model.Network;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.NetworkSpec;
import io.shoal.model.PortConfig;
import io.shoal.model.Protocol;
import io.shoal.model.PublishMode;
import io.shoal.model.Service;
import io.shoal.model.ServiceEndpoint;
import io.shoal.model.ServiceSpec;
import io.shoal.model.Task;
import io.shoal.model.TaskSpec;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AllocatorTest {
    private final ClusterSpec cluster = ClusterSpec.withPools("100.64.0.0/10");
    private final Map<String, Network> networks = new HashMap<>();

    private Network net(Allocator a, String id, String name) {
        Network n = a.allocate(Network.unallocated(Meta.created(id, Instant.EPOCH), NetworkSpec.overlay(name)));
        networks.put(id, n);
        networks.put(name, n);
        return n;
    }

    private static Service service(String id, String name, EndpointSpec endpoint, String... nets) {
        TaskSpec task = TaskSpec.of("img")
                .withNetworks(java.util.Arrays.stream(nets)
                        .map(NetworkAttachmentConfig::of)
                        .toList());
        return Service.created(
                Meta.created(id, Instant.EPOCH),
                ServiceSpec.replicated(name, "img", 2).withTask(task).withEndpoint(endpoint));
    }

    private static Task task(String id, Service s) {
        return Task.forSlot(
                Meta.created(id, Instant.EPOCH), s.id(), 0, 1, s.spec().task());
    }

    @Test
    void networkGetsVniSubnetAndGatewayFromThePool() {
        Allocator a = new Allocator(cluster);
        Network front = net(a, "n1", "front");
        Network back = net(a, "n2", "back");
        assertThat(front.vni()).isEqualTo(4096);
        assertThat(back.vni()).isEqualTo(4097);
        assertThat(front.subnet()).hasToString("100.64.0.0/24");
        assertThat(front.gateway()).hasToString("100.64.0.1/24");
        assertThat(back.subnet()).hasToString("100.64.1.0/24");
        Network asked = a.allocate(
                Network.unallocated(Meta.created("n3", Instant.EPOCH), NetworkSpec.overlay("mine", "100.100.0.0/16")));
        assertThat(asked.subnet()).hasToString("100.100.0.0/16");
        assertThatThrownBy(() -> a.allocate(Network.unallocated(
                        Meta.created("n4", Instant.EPOCH), NetworkSpec.overlay("clash", "100.100.7.0/24"))))
                .hasMessage("subnet 100.100.7.0/24 of network 'clash' overlaps 100.100.0.0/16 of network 'mine'");
    }

    @Test
    void askingAgainForTheSameNetworkGivesTheSameAllocation() {
        Allocator a = new Allocator(cluster);
        Network unallocated = Network.unallocated(Meta.created("n1", Instant.EPOCH), NetworkSpec.overlay("front"));
        Network first = a.allocate(unallocated);
        Network again = a.allocate(unallocated);
        assertThat(again).isEqualTo(first);
        assertThat(a.allocate(first)).isEqualTo(first);
        assertThatThrownBy(() -> a.allocate(first.withAllocation(5000, first.subnet(), first.gateway())))
                .hasMessage("network 'front' is allocated as vni 4096 100.64.0.0/24, not vni 5000 100.64.0.0/24");
        assertThat(a.allocate(Network.unallocated(Meta.created("n2", Instant.EPOCH), NetworkSpec.overlay("back")))
                        .vni())
                .isEqualTo(4097);
    }

    @Test
    void serviceGetsOneVipPerNetworkAndItsPortsAndTasksGetDistinctAddresses() {
        Allocator a = new Allocator(cluster);
        net(a, "n1", "front");
        net(a, "n2", "back");
        Service web = service(
                "s1",
                "web",
                EndpointSpec.ports(
                        PortConfig.ingress(8080, 80),
                        PortConfig.ingress(0, 443),
                        new PortConfig("", Protocol.TCP, 9000, 9000, PublishMode.HOST)),
                "front",
                "back");
        ServiceEndpoint ep = a.allocate(web, networks::get);
        assertThat(ep.vipOn("n1")).hasToString("100.64.0.2/24");
        assertThat(ep.vipOn("n2")).hasToString("100.64.1.2/24");
        assertThat(ep.ports()).extracting(PortConfig::publishedPort).containsExactly(8080, 30000, 9000);

        Set<Cidr> seen = new HashSet<>(List.of(ep.vipOn("n1"), ep.vipOn("n2")));
        for (int i = 0; i < 50; i++) {
            Map<String, Cidr> addrs = a.allocate(task("t" + i, web), networks::get);
            assertThat(addrs).containsOnlyKeys("n1", "n2");
            assertThat(seen.addAll(addrs.values())).isTrue();
        }
        Service dnsrr = service("s2", "db", new EndpointSpec(EndpointMode.DNSRR, List.of()), "back");
        assertThat(a.allocate(dnsrr, networks::get).virtualIps()).isEmpty();

        Service api = service("s3", "api", EndpointSpec.ports(PortConfig.ingress(8080, 80)), "front");
        int before = a.poolOf("n1").inUse();
        assertThatThrownBy(() -> a.allocate(api, networks::get))
                .hasMessage("service 'api': published port 8080/tcp is already used by service 'web'");
        assertThat(a.poolOf("n1").inUse())
                .as("the VIP taken before the refusal is given back")
                .isEqualTo(before);
        assertThatThrownBy(() -> a.allocate(service("s4", "x", EndpointSpec.DEFAULT, "nowhere"), networks::get))
                .hasMessage("x: network 'nowhere' not found");
    }

    @Test
    void aPublishedPortKeepsItsTrafficPolicyThroughAllocation() {
        Allocator a = new Allocator(cluster);
        net(a, "n1", "front");
        Service web = service(
                "s1",
                "web",
                EndpointSpec.ports(PortConfig.ingress(0, 80).withTrafficPolicy(io.shoal.model.TrafficPolicy.LOCAL)),
                "front");
        ServiceEndpoint ep = a.allocate(web, networks::get);
        assertThat(ep.ports()).singleElement().satisfies(p -> {
            assertThat(p.publishedPort()).isEqualTo(30000);
            assertThat(p.trafficPolicy()).isEqualTo(io.shoal.model.TrafficPolicy.LOCAL);
        });
    }

    @Test
    void aNewLeaderRestoresAllocationsAndNeverHandsThemOutAgain() {
        Allocator old = new Allocator(cluster);
        Network front = net(old, "n1", "front");
        Service web = service("s1", "web", EndpointSpec.ports(PortConfig.ingress(0, 80)), "front");
        web = web.withEndpoint(old.allocate(web, networks::get));
        Task t1 = task("t1", web);
        t1 = t1.withAddresses(old.allocate(t1, networks::get));

        Allocator fresh = new Allocator(cluster);
        fresh.restore(List.of(front), List.of(web), List.of(t1));
        Network other =
                fresh.allocate(Network.unallocated(Meta.created("n2", Instant.EPOCH), NetworkSpec.overlay("other")));
        assertThat(other.vni()).isNotEqualTo(front.vni());
        assertThat(other.subnet().overlaps(front.subnet())).isFalse();
        Service api = service("s2", "api", EndpointSpec.ports(PortConfig.ingress(0, 80)), "front");
        ServiceEndpoint apiEp = fresh.allocate(api, networks::get);
        assertThat(apiEp.vipOn("n1"))
                .isNotIn(web.endpoint().vipOn("n1"), t1.addresses().get("n1"));
        assertThat(apiEp.ports().get(0).publishedPort())
                .isNotEqualTo(web.endpoint().ports().get(0).publishedPort());
        Task t2 = task("t2", web);
        assertThat(fresh.allocate(t2, networks::get).get("n1"))
                .isNotIn(web.endpoint().vipOn("n1"), t1.addresses().get("n1"));
        assertThat(fresh.allocate(web, networks::get))
                .as("a service keeps what it has")
                .isEqualTo(web.endpoint());
    }

    @Test
    void releaseAndUpdatesGiveBackWhatIsNoLongerUsed() {
        Allocator a = new Allocator(cluster);
        net(a, "n1", "front");
        Service web = service("s1", "web", EndpointSpec.ports(PortConfig.ingress(8080, 80)), "front");
        web = web.withEndpoint(a.allocate(web, networks::get));
        Service updated = web.updatedTo(web.spec().withEndpoint(EndpointSpec.ports(PortConfig.ingress(8081, 80))));
        updated = updated.withEndpoint(a.allocate(updated, networks::get));
        assertThat(updated.endpoint().ports().get(0).publishedPort()).isEqualTo(8081);
        Service api = service("s2", "api", EndpointSpec.ports(PortConfig.ingress(8080, 80)), "front");
        assertThat(a.allocate(api, networks::get).ports().get(0).publishedPort())
                .as("8080 was given back by the update")
                .isEqualTo(8080);

        Task t = task("t1", web);
        t = t.withAddresses(a.allocate(t, networks::get));
        int inUse = a.poolOf("n1").inUse();
        a.release(t);
        assertThat(a.poolOf("n1").inUse()).isEqualTo(inUse - 1);
        a.release(updated);
        assertThat(a.poolOf("n1").inUse()).isEqualTo(inUse - 2);
    }
}
