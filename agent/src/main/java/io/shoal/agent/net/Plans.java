package io.shoal.agent.net;

import io.shoal.balancer.spec.Backend;
import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.Protocol;
import io.shoal.balancer.spec.VirtualService;
import io.shoal.ingress.mesh.PortPolicies;
import io.shoal.ingress.policy.PortKey;
import io.shoal.ingress.policy.PortPolicy;
import io.shoal.ingress.policy.ProxyProtocol;
import io.shoal.model.Cidr;
import io.shoal.model.EndpointMode;
import io.shoal.model.Network;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.PortConfig;
import io.shoal.model.PublishMode;
import io.shoal.model.Task;
import io.shoal.model.TrafficPolicy;
import io.shoal.model.table.PublishedPort;
import io.shoal.model.table.ServiceEntry;
import io.shoal.model.table.ServiceTable;
import io.shoal.model.table.TaskEndpoint;
import io.shoal.vxlan.Remote;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The pure decisions of a node's data plane, from a {@link NodeView}: which interfaces a task gets,
 * which VIPs its namespace balances, which remote endpoints each overlay programs. No kernel here,
 * so each is tested directly.
 */
public final class Plans {
    private Plans() {}

    /**
     * A task's interfaces: its networks in the order of its spec (user networks first), then any
     * other network it has an address on, the ingress network always last; named {@code eth0},
     * {@code eth1}, …. Networks the view does not know (yet) are left out.
     */
    public static List<Attachment> attachments(Task task, NodeView view) {
        Map<String, Cidr> addresses = task.addresses();
        List<String> order = new ArrayList<>();
        for (NetworkAttachmentConfig att : task.spec().networks()) {
            String id = resolve(att.target(), view);
            if (id != null && addresses.containsKey(id) && !order.contains(id)) {
                order.add(id);
            }
        }
        addresses.keySet().stream().sorted().filter(id -> !order.contains(id)).forEach(order::add);
        List<String> sorted = new ArrayList<>();
        order.stream().filter(id -> !view.isIngress(id)).forEach(sorted::add);
        order.stream().filter(view::isIngress).forEach(sorted::add);
        List<Attachment> out = new ArrayList<>();
        for (String id : sorted) {
            if (view.networks().containsKey(id)) {
                out.add(new Attachment(id, "eth" + out.size(), addresses.get(id)));
            }
        }
        return out;
    }

    /** The networks a task's names resolve on: its attachments without the ingress network. */
    public static List<String> dnsScope(List<Attachment> attachments, NodeView view) {
        return attachments.stream()
                .map(Attachment::networkId)
                .filter(id -> !view.isIngress(id))
                .toList();
    }

    /**
     * What a task's namespace balances: for every service with a VIP on one of the task's (non
     * ingress) networks, the VIP on every TCP and UDP port, spread over the service's ready tasks
     * on that network (keeping the client's port, as Swarm does). A VIP with no ready task stays
     * programmed with no backends, so that a client is refused at once instead of timing out on an
     * address nobody answers.
     */
    public static DesiredState balancer(List<String> networkIds, NodeView view) {
        Map<String, VirtualService> out = new LinkedHashMap<>();
        for (String net : networkIds) {
            if (view.isIngress(net)) {
                continue;
            }
            for (ServiceEntry s : view.table().servicesOn(net)) {
                InetAddress vip = s.vips().get(net);
                if (s.endpointMode() != EndpointMode.VIP || vip == null) {
                    continue;
                }
                List<Backend> backends = s.readyAddressesOn(net).stream()
                        .map(a -> Backend.of(a, 0))
                        .toList();
                for (Protocol p : List.of(Protocol.TCP, Protocol.UDP)) {
                    String name = serviceName(s.name(), vip, p);
                    out.put(
                            name,
                            VirtualService.builder(name)
                                    .vip(vip)
                                    .protocol(p)
                                    .allPorts()
                                    .backends(backends)
                                    .build());
                }
            }
        }
        return DesiredState.of(out.values());
    }

    /**
     * The remote endpoints network {@code networkId} programs on node {@code self}: every task of
     * another node with an address there (ready or not: a task is reachable before it is an
     * endpoint), and on the ingress network every other node's own ingress address. Endpoints on a
     * node whose underlay address is unknown (its member record is gone) are left out.
     */
    public static Set<Remote> remotes(String networkId, String self, NodeView view) {
        Set<Remote> out = new HashSet<>();
        for (ServiceEntry s : view.table().servicesOn(networkId)) {
            for (TaskEndpoint t : s.tasks()) {
                InetAddress ip = t.addressOn(networkId);
                Inet4Address vtep = view.vteps().get(t.nodeId());
                if (!t.nodeId().equals(self) && ip instanceof Inet4Address v4 && vtep != null) {
                    out.add(Remote.of(v4, vtep));
                }
            }
        }
        if (view.isIngress(networkId)) {
            view.ingressAddresses().forEach((node, cidr) -> {
                Inet4Address vtep = view.vteps().get(node);
                if (!node.equals(self) && vtep != null && cidr.inetAddress() instanceof Inet4Address v4) {
                    out.add(Remote.of(v4, vtep));
                }
            });
        }
        return out;
    }

    /**
     * The routing mesh's options per published port: {@code defaults} for every port, with the
     * PROXY settings of each port's spec ({@code proxyProtocol} sent to tasks, {@code
     * trustedProxies} whose headers are accepted) on top.
     */
    public static PortPolicies meshPolicies(ServiceTable table, PortPolicy defaults) {
        PortPolicies out = PortPolicies.of(defaults);
        for (PublishedPort p : table.publishedPorts()) {
            PortConfig c = p.port();
            if (c.proxyProtocol() == io.shoal.model.ProxyProtocolVersion.NONE && !c.acceptsProxyProtocol()) {
                continue;
            }
            PortPolicy policy = defaults.withSendProxyProtocol(
                            ProxyProtocol.parse(c.proxyProtocol().json()))
                    .withTrustedProxies(c.trustedProxies().stream()
                            .map(io.shoal.ingress.policy.Cidr::parse)
                            .toList());
            out = out.with(new PortKey(c.publishedPort(), c.protocol()), policy);
        }
        return out;
    }

    /**
     * True when the mesh may connect to this task from a client's own address (a transparent
     * socket): its service publishes a TCP port that forwards only to local tasks (the {@code local}
     * traffic policy, or host mode) and the task is on the ingress network, where its replies can
     * be routed back through this node.
     */
    public static boolean servesTransparently(Task task, NodeView view) {
        String ingress = view.ingress().map(Network::id).orElse(null);
        if (ingress == null || !task.addresses().containsKey(ingress)) {
            return false;
        }
        for (PublishedPort p : view.table().publishedPorts()) {
            PortConfig c = p.port();
            boolean localOnly = c.publishMode() == PublishMode.HOST || c.trafficPolicy() == TrafficPolicy.LOCAL;
            if (localOnly
                    && c.protocol() == io.shoal.model.Protocol.TCP
                    && p.service().id().equals(task.serviceId())) {
                return true;
            }
        }
        return false;
    }

    /** A network target (id or name) as an id, or null when the view does not know it. */
    static String resolve(String target, NodeView view) {
        if (view.networks().containsKey(target)) {
            return target;
        }
        for (Network n : view.networks().values()) {
            if (n.name().equalsIgnoreCase(target)) {
                return n.id();
            }
        }
        return null;
    }

    /** {@code web_64400102_tcp}: unique per VIP and protocol, within the balancer's 63 characters. */
    static String serviceName(String service, InetAddress vip, Protocol protocol) {
        StringBuilder hex = new StringBuilder();
        for (byte b : vip.getAddress()) {
            hex.append(String.format("%02x", b & 0xff));
        }
        String clipped = service.length() > 40 ? service.substring(0, 40) : service;
        return clipped + "_" + hex + "_" + protocol.name().toLowerCase(Locale.ROOT);
    }
}
