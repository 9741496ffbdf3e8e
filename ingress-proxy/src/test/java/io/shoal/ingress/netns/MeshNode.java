package io.shoal.ingress.netns;

import io.shoal.ingress.health.HealthServer;
import io.shoal.ingress.mesh.PortPolicies;
import io.shoal.ingress.mesh.RoutingMesh;
import io.shoal.ingress.policy.Cidr;
import io.shoal.ingress.policy.PortKey;
import io.shoal.ingress.policy.PortPolicy;
import io.shoal.ingress.policy.ProxyProtocol;
import io.shoal.ingress.support.Tables;
import io.shoal.ingress.transport.Transport;
import io.shoal.model.PortConfig;
import io.shoal.model.Protocol;
import io.shoal.model.TrafficPolicy;
import io.shoal.model.table.ServiceEntry;
import io.shoal.model.table.TaskEndpoint;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One node's routing mesh as its own process, with a static service table given on the command
 * line: what the agent will run, for namespace tests and {@code benchmarks/ingress/run.sh}.
 *
 * <pre>
 * MeshNode &lt;bind-address&gt; &lt;threads&gt; &lt;backend,backend,...&gt; &lt;port&gt;...
 *   backend = ip[@node]    (node default n1)
 *   port = tcp|udp:published:target:none|v1|v2[:local]
 * </pre>
 *
 * One service with the given ingress-published ports and ready tasks at the backend addresses (the
 * stand-in for their ingress-overlay addresses; the model allows one task per address and network),
 * each on the node named after its {@code @} (default {@code n1}). A port ending in {@code :local}
 * has the local traffic policy.
 * On stdin: {@code backends ip,ip,...} installs a new table with the backends replaced, {@code
 * drain on|off} marks the node draining (answers {@code DRAINING} / {@code SERVING}), {@code
 * metrics} prints the snapshot then {@code END}, {@code memory} prints {@code MEMORY
 * heap_used_bytes=… heap_committed_bytes=…} after a full GC, {@code quit} exits (so does the end
 * of stdin). It prints {@code READY} once listening and {@code UPDATED} after each table change.
 * System properties: {@code shoal.ingress.transport=io_uring|epoll|nio} picks the transport
 * (default: the best); {@code shoal.mesh.node} is this node's id (default {@code n1}); {@code
 * shoal.ingress.transparent=true} connects to local tasks from the client's address; {@code
 * shoal.health=ip:port} also starts the health endpoint there.
 */
public final class MeshNode {
    private MeshNode() {}

    /** A published port as given on the command line. */
    record Spec(Protocol protocol, int published, int target, ProxyProtocol proxy, TrafficPolicy traffic) {
        static Spec parse(String text) {
            String[] f = text.split(":", -1);
            if (f.length != 4 && !(f.length == 5 && f[4].equals("local"))) {
                throw new IllegalArgumentException(
                        "port: expected tcp|udp:published:target:none|v1|v2[:local], got '" + text + "'");
            }
            Protocol protocol =
                    switch (f[0].toLowerCase(Locale.ROOT)) {
                        case "tcp" -> Protocol.TCP;
                        case "udp" -> Protocol.UDP;
                        default -> throw new IllegalArgumentException(
                                "port protocol: expected tcp or udp, got '" + f[0] + "' in '" + text + "'");
                    };
            ProxyProtocol proxy;
            try {
                proxy = ProxyProtocol.valueOf(f[3].toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "port proxy protocol: expected none, v1 or v2, got '" + f[3] + "' in '" + text + "'");
            }
            return new Spec(
                    protocol,
                    port("published", f[1], text),
                    port("target", f[2], text),
                    proxy,
                    f.length == 5 ? TrafficPolicy.LOCAL : TrafficPolicy.CLUSTER);
        }

        PortConfig portConfig() {
            return (protocol == Protocol.TCP ? Tables.tcp(published, target) : Tables.udp(published, target))
                    .withTrafficPolicy(traffic);
        }

        PortKey key() {
            return protocol == Protocol.TCP ? PortKey.tcp(published) : PortKey.udp(published);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            throw new IllegalArgumentException(
                    "usage: MeshNode <bind-address> <threads> <ip,ip,...> tcp|udp:published:target:none|v1|v2...");
        }
        InetAddress bind = InetAddress.getByName(args[0]);
        int threads = Integer.parseInt(args[1]);
        List<PortConfig> ports = new ArrayList<>();
        PortPolicies policies = PortPolicies.standard();
        for (int i = 3; i < args.length; i++) {
            Spec s = Spec.parse(args[i]);
            ports.add(s.portConfig());
            policies = policies.with(
                    s.key(), PortPolicy.DEFAULT.withSendProxyProtocol(s.proxy()).withTrustedProxies(trusted()));
        }
        try (RoutingMesh mesh = RoutingMesh.builder()
                        .nodeId(System.getProperty("shoal.mesh.node", "n1"))
                        .ingressNetworkId(Tables.INGRESS)
                        .bindAddress(bind)
                        .threads(threads)
                        .transport(transport())
                        .policies(policies)
                        .transparentLocal(Boolean.getBoolean("shoal.ingress.transparent"))
                        .build()
                        .start();
                HealthServer health = health(mesh)) {
            long version = 1;
            install(mesh, version, ports, args[2]);
            if (health != null) {
                System.out.println("HEALTH " + health.localAddress());
            }
            System.out.println("READY");
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                String[] words = line.trim().split("\\s+");
                switch (words[0]) {
                    case "backends" -> {
                        install(mesh, ++version, ports, words.length > 1 ? words[1] : "");
                        System.out.println("UPDATED");
                    }
                    case "drain" -> {
                        mesh.draining(words.length > 1 && words[1].equals("on"));
                        System.out.println(mesh.isDraining() ? "DRAINING" : "SERVING");
                    }
                    case "metrics" -> {
                        System.out.print(mesh.metrics().toPrometheusText());
                        System.out.println("END");
                    }
                    case "memory" -> {
                        System.gc();
                        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
                        System.out.println("MEMORY heap_used_bytes=" + heap.getUsed() + " heap_committed_bytes="
                                + heap.getCommitted());
                    }
                    case "quit" -> {
                        return;
                    }
                    default -> System.out.println("ERROR unknown command '" + line + "'");
                }
                System.out.flush();
            }
        }
    }

    /** {@code -Dshoal.ingress.transport=io_uring|epoll|nio}, else the best available. */
    private static Transport transport() {
        String name = System.getProperty("shoal.ingress.transport");
        return name == null ? Transport.best() : Transport.parse(name).ensureAvailable();
    }

    /** {@code -Dshoal.ingress.trusted=cidr,cidr}: sources that must send a PROXY header (default none). */
    private static List<Cidr> trusted() {
        List<Cidr> out = new ArrayList<>();
        for (String c : System.getProperty("shoal.ingress.trusted", "").split(",")) {
            if (!c.isBlank()) {
                out.add(Cidr.parse(c.trim()));
            }
        }
        return out;
    }

    /** The health endpoint at {@code -Dshoal.health=ip:port}, or null without it. */
    private static HealthServer health(RoutingMesh mesh) throws java.net.UnknownHostException {
        String at = System.getProperty("shoal.health");
        if (at == null) {
            return null;
        }
        int colon = at.lastIndexOf(':');
        InetSocketAddress address = new InetSocketAddress(
                InetAddress.getByName(at.substring(0, colon)), Integer.parseInt(at.substring(colon + 1)));
        return HealthServer.builder(mesh).bindAddress(address).build().start();
    }

    private static void install(RoutingMesh mesh, long version, List<PortConfig> ports, String backendList) {
        List<TaskEndpoint> tasks = new ArrayList<>();
        int i = 0;
        for (String b : backendList.split(",")) {
            if (b.isBlank()) {
                continue;
            }
            String[] ipNode = b.trim().split("@", 2);
            String node = ipNode.length == 2 ? ipNode[1] : "n1";
            tasks.add(Tables.task("t-" + i++, node, ips(ipNode[0]).get(0), true));
        }
        ServiceEntry service = Tables.service("web", ports, tasks);
        var result = mesh.update(Tables.table(version, service));
        if (!result.failed().isEmpty()) {
            throw new IllegalStateException("ports failed to bind: " + result.failed());
        }
    }

    private static int port(String field, String value, String text) {
        try {
            int p = Integer.parseInt(value);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                "service " + field + " port: expected 1..65535, got '" + value + "' in '" + text + "'");
    }

    private static List<InetAddress> ips(String csv) {
        List<InetAddress> out = new ArrayList<>();
        for (String ip : csv.split(",")) {
            if (!ip.isBlank()) {
                try {
                    out.add(InetAddress.getByName(ip.trim()));
                } catch (java.net.UnknownHostException e) {
                    throw new IllegalArgumentException("backend address: '" + ip + "' is not an IP address", e);
                }
            }
        }
        return out;
    }
}
