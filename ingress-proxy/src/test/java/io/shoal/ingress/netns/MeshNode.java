package io.shoal.ingress.netns;

import io.shoal.ingress.mesh.PortPolicies;
import io.shoal.ingress.mesh.RoutingMesh;
import io.shoal.ingress.policy.PortKey;
import io.shoal.ingress.policy.PortPolicy;
import io.shoal.ingress.policy.ProxyProtocol;
import io.shoal.ingress.support.Tables;
import io.shoal.ingress.transport.Transport;
import io.shoal.model.PortConfig;
import io.shoal.model.Protocol;
import io.shoal.model.table.ServiceEntry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One node's routing mesh as its own process, with a static service table given on the command
 * line: what the agent will run, for namespace tests and {@code benchmarks/ingress/run.sh}.
 *
 * <pre>
 * MeshNode &lt;bind-address&gt; &lt;threads&gt; &lt;backend-ip,backend-ip,...&gt; &lt;port&gt;...
 *   port = tcp|udp:published:target:none|v1|v2
 * </pre>
 *
 * One service with the given ingress-published ports and ready tasks at the backend addresses (the
 * stand-in for their ingress-overlay addresses; the model allows one task per address and network).
 * On stdin: {@code backends ip,ip,...} installs a new table with the backends replaced, {@code
 * metrics} prints the snapshot then {@code END}, {@code memory} prints {@code MEMORY
 * heap_used_bytes=… heap_committed_bytes=…} after a full GC, {@code quit} exits (so does the end
 * of stdin). It prints {@code READY} once listening and {@code UPDATED} after each table change.
 * {@code -Dshoal.ingress.transport=io_uring|epoll|nio} picks the transport (default: the best).
 */
public final class MeshNode {
    private MeshNode() {}

    /** A published port as given on the command line. */
    record Spec(Protocol protocol, int published, int target, ProxyProtocol proxy) {
        static Spec parse(String text) {
            String[] f = text.split(":", -1);
            if (f.length != 4) {
                throw new IllegalArgumentException(
                        "port: expected tcp|udp:published:target:none|v1|v2, got '" + text + "'");
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
            return new Spec(protocol, port("published", f[1], text), port("target", f[2], text), proxy);
        }

        PortConfig portConfig() {
            return protocol == Protocol.TCP ? Tables.tcp(published, target) : Tables.udp(published, target);
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
            policies = policies.with(s.key(), PortPolicy.DEFAULT.withSendProxyProtocol(s.proxy()));
        }
        try (RoutingMesh mesh = RoutingMesh.builder()
                .nodeId("n1")
                .ingressNetworkId(Tables.INGRESS)
                .bindAddress(bind)
                .threads(threads)
                .transport(transport())
                .policies(policies)
                .build()
                .start()) {
            long version = 1;
            install(mesh, version, ports, ips(args[2]));
            System.out.println("READY");
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                String[] words = line.trim().split("\\s+");
                switch (words[0]) {
                    case "backends" -> {
                        install(mesh, ++version, ports, ips(words.length > 1 ? words[1] : ""));
                        System.out.println("UPDATED");
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

    private static void install(RoutingMesh mesh, long version, List<PortConfig> ports, List<InetAddress> backends) {
        ServiceEntry service = Tables.service("web", ports, Tables.readyTasks("t", backends));
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
