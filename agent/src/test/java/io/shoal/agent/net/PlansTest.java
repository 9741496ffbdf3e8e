package io.shoal.agent.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.VirtualService;
import io.shoal.model.Cidr;
import io.shoal.model.EndpointMode;
import io.shoal.model.Meta;
import io.shoal.model.Network;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.NetworkSpec;
import io.shoal.model.PortConfig;
import io.shoal.model.Task;
import io.shoal.model.TaskSpec;
import io.shoal.model.table.NetworkEntry;
import io.shoal.model.table.ServiceEntry;
import io.shoal.model.table.ServiceTable;
import io.shoal.model.table.TaskEndpoint;
import io.shoal.vxlan.Remote;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlansTest {
    private static final Instant NOW = Instant.parse("2026-11-23T00:00:00Z");
    private static final Network APP = network("netapp", "app", 4097, "100.64.1.0/24", false);
    private static final Network BACK = network("netback", "back", 4098, "100.64.2.0/24", false);
    private static final Network INGRESS = network("netingress", "ingress", 4096, "100.64.0.0/24", true);

    @Test
    void interfacesFollowTheSpecOrderWithIngressLast() {
        Task t = task(
                "t1",
                List.of(NetworkAttachmentConfig.of("back"), NetworkAttachmentConfig.of("netapp")),
                Map.of(
                        INGRESS.id(), Cidr.parse("a", "100.64.0.5/24"),
                        APP.id(), Cidr.parse("a", "100.64.1.5/24"),
                        BACK.id(), Cidr.parse("a", "100.64.2.5/24")));
        List<Attachment> atts = Plans.attachments(t, view(ServiceTable.empty()));
        assertThat(atts)
                .containsExactly(
                        new Attachment(BACK.id(), "eth0", Cidr.parse("a", "100.64.2.5/24")),
                        new Attachment(APP.id(), "eth1", Cidr.parse("a", "100.64.1.5/24")),
                        new Attachment(INGRESS.id(), "eth2", Cidr.parse("a", "100.64.0.5/24")));
        assertThat(Plans.dnsScope(atts, view(ServiceTable.empty()))).containsExactly(BACK.id(), APP.id());
    }

    @Test
    void aNetworkTheViewDoesNotKnowIsLeftOut() {
        Task t = task("t1", List.of(), Map.of("unknown", Cidr.parse("a", "100.64.9.5/24")));
        assertThat(Plans.attachments(t, view(ServiceTable.empty()))).isEmpty();
    }

    @Test
    void vipsBalanceEveryPortOverReadyTasksOnTheSameNetwork() throws Exception {
        ServiceTable table = new ServiceTable(
                1,
                entries(),
                List.of(web(List.of(
                        endpoint("w1", "n1", "100.64.1.11", "100.64.0.11", true),
                        endpoint("w2", "n2", "100.64.1.12", "100.64.0.12", false),
                        endpoint("w3", "n3", "100.64.1.13", "100.64.0.13", true)))));
        DesiredState d = Plans.balancer(List.of(APP.id(), INGRESS.id()), view(table));
        assertThat(d.services()).hasSize(2);
        for (VirtualService s : d.services()) {
            assertThat(s.vip()).isEqualTo(InetAddress.getByName("100.64.1.2"));
            assertThat(s.allPorts()).isTrue();
            assertThat(s.backends())
                    .extracting(b -> b.address().getHostAddress())
                    .containsExactly("100.64.1.11", "100.64.1.13");
        }
        assertThat(d.services())
                .extracting(VirtualService::name)
                .containsExactlyInAnyOrder("web_64400102_tcp", "web_64400102_udp");
    }

    @Test
    void aServiceWithoutReadyTasksKeepsItsVipWithNoBackend() {
        ServiceTable table = new ServiceTable(
                1, entries(), List.of(web(List.of(endpoint("w1", "n1", "100.64.1.11", "100.64.0.11", false)))));
        DesiredState d = Plans.balancer(List.of(APP.id()), view(table));
        assertThat(d.services()).allSatisfy(s -> assertThat(s.backends()).isEmpty());
    }

    @Test
    void aTaskOnAnotherNetworkSeesNoVip() {
        ServiceTable table = new ServiceTable(
                1, entries(), List.of(web(List.of(endpoint("w1", "n1", "100.64.1.11", "100.64.0.11", true)))));
        assertThat(Plans.balancer(List.of(BACK.id()), view(table)).isEmpty()).isTrue();
    }

    @Test
    void remotesAreOtherNodesTasksAndOnIngressOtherNodesToo() throws Exception {
        ServiceTable table = new ServiceTable(
                1,
                entries(),
                List.of(web(List.of(
                        endpoint("w1", "n1", "100.64.1.11", "100.64.0.11", true),
                        endpoint("w2", "n2", "100.64.1.12", "100.64.0.12", false),
                        endpoint("w3", "n3", "100.64.1.13", "100.64.0.13", true)))));
        NodeView v = view(table);
        Set<Remote> app = Plans.remotes(APP.id(), "n1", v);
        assertThat(app)
                .containsExactlyInAnyOrder(
                        Remote.of(v4("100.64.1.12"), v4("198.18.0.2")), Remote.of(v4("100.64.1.13"), v4("198.18.0.3")));
        Set<Remote> ingress = Plans.remotes(INGRESS.id(), "n1", v);
        assertThat(ingress)
                .contains(
                        Remote.of(v4("100.64.0.12"), v4("198.18.0.2")),
                        Remote.of(v4("100.64.0.253"), v4("198.18.0.2")),
                        Remote.of(v4("100.64.0.252"), v4("198.18.0.3")))
                .doesNotContain(Remote.of(v4("100.64.0.254"), v4("198.18.0.1")))
                .hasSize(4);
    }

    @Test
    void aNodeWithoutMemberRecordIsNotProgrammed() {
        ServiceTable table = new ServiceTable(
                1, entries(), List.of(web(List.of(endpoint("w9", "gone", "100.64.1.19", "100.64.0.19", true)))));
        assertThat(Plans.remotes(APP.id(), "n1", view(table))).isEmpty();
    }

    @Test
    void balancerNamesStayShortAndUnique() throws Exception {
        String long63 = "a".repeat(63);
        String n = Plans.serviceName(long63, InetAddress.getByName("100.64.1.2"), io.shoal.balancer.spec.Protocol.UDP);
        assertThat(n).hasSizeLessThanOrEqualTo(63).endsWith("_64400102_udp");
    }

    @Test
    void meshPoliciesCarryEachPortsProxySettingsOverTheDefaults() throws Exception {
        PortConfig proxied = new PortConfig(
                        "", io.shoal.model.Protocol.TCP, 80, 8081, io.shoal.model.PublishMode.INGRESS)
                .withProxyProtocol(io.shoal.model.ProxyProtocolVersion.V1)
                .withTrustedProxies(List.of("198.18.1.0/24"));
        ServiceTable table = new ServiceTable(
                1,
                entries(),
                List.of(new ServiceEntry(
                        "svcweb",
                        "web",
                        EndpointMode.VIP,
                        Map.of(INGRESS.id(), ip("100.64.0.2")),
                        Map.of(),
                        List.of(PortConfig.ingress(8080, 80), proxied),
                        List.of())));
        io.shoal.ingress.policy.PortPolicy defaults =
                io.shoal.ingress.policy.PortPolicy.DEFAULT.withConnectTimeout(java.time.Duration.ofMillis(700));
        var policies = Plans.meshPolicies(table, defaults);
        assertThat(policies.forPort(io.shoal.ingress.policy.PortKey.tcp(8080))).isEqualTo(defaults);
        var p = policies.forPort(io.shoal.ingress.policy.PortKey.tcp(8081));
        assertThat(p.sendProxyProtocol()).isEqualTo(io.shoal.ingress.policy.ProxyProtocol.V1);
        assertThat(p.trusts(InetAddress.getByName("198.18.1.9"))).isTrue();
        assertThat(p.trusts(InetAddress.getByName("198.18.0.9"))).isFalse();
        assertThat(p.connectTimeout())
                .as("other options from the defaults")
                .isEqualTo(java.time.Duration.ofMillis(700));
    }

    @Test
    void onlyIngressTasksOfAServiceWithALocalTcpPortAreServedTransparently() {
        Task onIngress = task("t1", List.of(), Map.of(INGRESS.id(), Cidr.parse("a", "100.64.0.5/24")));
        Task appOnly = task("t2", List.of(), Map.of(APP.id(), Cidr.parse("a", "100.64.1.5/24")));
        ServiceTable cluster = new ServiceTable(1, entries(), List.of(web(List.of())));
        assertThat(Plans.servesTransparently(onIngress, view(cluster))).isFalse();
        ServiceEntry local = new ServiceEntry(
                "svcweb",
                "web",
                EndpointMode.VIP,
                Map.of(INGRESS.id(), ip("100.64.0.2")),
                Map.of(),
                List.of(PortConfig.ingress(8080, 80).withTrafficPolicy(io.shoal.model.TrafficPolicy.LOCAL)),
                List.of());
        ServiceTable withLocal = new ServiceTable(2, entries(), List.of(local));
        assertThat(Plans.servesTransparently(onIngress, view(withLocal))).isTrue();
        assertThat(Plans.servesTransparently(appOnly, view(withLocal))).isFalse();
    }

    private static ServiceEntry web(List<TaskEndpoint> tasks) {
        return new ServiceEntry(
                "svcweb",
                "web",
                EndpointMode.VIP,
                Map.of(APP.id(), ip("100.64.1.2"), INGRESS.id(), ip("100.64.0.2")),
                Map.of(),
                List.of(PortConfig.ingress(8080, 80)),
                tasks);
    }

    private static TaskEndpoint endpoint(String id, String node, String app, String ingress, boolean ready) {
        return new TaskEndpoint(id, 1, node, id, Map.of(APP.id(), ip(app), INGRESS.id(), ip(ingress)), ready);
    }

    private static List<NetworkEntry> entries() {
        return List.of(
                new NetworkEntry(APP.id(), APP.name(), APP.vni()),
                new NetworkEntry(BACK.id(), BACK.name(), BACK.vni()),
                new NetworkEntry(INGRESS.id(), INGRESS.name(), INGRESS.vni()));
    }

    private static NodeView view(ServiceTable table) {
        return new NodeView(
                table,
                Map.of(APP.id(), APP, BACK.id(), BACK, INGRESS.id(), INGRESS),
                Optional.of(INGRESS),
                Map.of("n1", v4("198.18.0.1"), "n2", v4("198.18.0.2"), "n3", v4("198.18.0.3")),
                Map.of(
                        "n1", Cidr.parse("a", "100.64.0.254/24"),
                        "n2", Cidr.parse("a", "100.64.0.253/24"),
                        "n3", Cidr.parse("a", "100.64.0.252/24")));
    }

    private static Network network(String id, String name, int vni, String subnet, boolean ingress) {
        NetworkSpec spec = NetworkSpec.overlay(name, subnet);
        spec = new NetworkSpec(
                spec.name(),
                spec.labels(),
                spec.subnet(),
                spec.gateway(),
                spec.attachable(),
                spec.internal(),
                ingress,
                spec.mtu());
        Cidr net = Cidr.parse("subnet", subnet);
        return new Network(
                Meta.created(id, NOW),
                spec,
                vni,
                net,
                Cidr.parse("gw", Cidr.format(net.address() + 1) + "/" + net.prefix()));
    }

    private static Task task(String id, List<NetworkAttachmentConfig> nets, Map<String, Cidr> addresses) {
        return Task.forSlot(
                        Meta.created(id, NOW),
                        "svcweb",
                        0,
                        1,
                        TaskSpec.of("img").withNetworks(nets))
                .assignedTo("n1", NOW)
                .withAddresses(addresses);
    }

    private static InetAddress ip(String s) {
        return v4(s);
    }

    private static Inet4Address v4(String s) {
        try {
            return (Inet4Address) InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }
}
