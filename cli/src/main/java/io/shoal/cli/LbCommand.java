package io.shoal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code shoal lb config}: a ready configuration for an external load balancer in front of every
 * node, for every port published through the routing mesh, with health checks against each node's
 * health endpoint ({@code /healthz/ports/<port>/<proto>}), which says 503 while a node drains or has
 * nothing to serve. A port that trusts PROXY senders ({@code trustedProxies} in its spec, e.g.
 * {@code --publish ...,trusted-proxies=198.18.1.0/24}) gets PROXY protocol v2 from the balancer
 * ({@code send-proxy-v2} on HAProxy's server lines, {@code proxy_protocol on} in nginx); the
 * balancer's address must be in that list.
 */
@Command(name = "lb", description = "External load balancer integration", subcommands = LbCommand.Config.class)
final class LbCommand {
    @ParentCommand
    Shoal root;

    @Command(
            name = "config",
            description = "Print an HAProxy or nginx configuration for all current nodes and published ports:"
                    + " health checks on each node's /healthz/ports/<port>/<proto>, PROXY protocol v2 to the"
                    + " ports that trust PROXY senders (--publish ...,trusted-proxies=CIDR)")
    static final class Config implements Runnable {
        @ParentCommand
        LbCommand parent;

        @ArgGroup(multiplicity = "1")
        Flavour flavour;

        static final class Flavour {
            @Option(names = "--haproxy", required = true, description = "HAProxy (TCP mode, active health checks)")
            boolean haproxy;

            @Option(names = "--nginx", required = true, description = "nginx stream module (passive checks only)")
            boolean nginx;
        }

        @Option(
                names = "--health-port",
                defaultValue = "9180",
                description = "The nodes' health endpoint port (shoald --health-addr; default ${DEFAULT-VALUE})")
        int healthPort;

        @Option(
                names = "--send-proxy",
                description = "Send PROXY protocol v2 on every TCP port, not only on ports that trust PROXY senders"
                        + " (the ports' trusted-proxies must list this balancer)")
        boolean sendProxy;

        @Option(
                names = "--check-interval",
                defaultValue = "1000",
                description = "HAProxy health check interval in ms (default ${DEFAULT-VALUE}); a node is DOWN"
                        + " after 2 failed checks")
        int checkIntervalMs;

        @Override
        public void run() {
            if (healthPort < 1 || healthPort > 65535) {
                throw new Shoal.UsageError("--health-port: " + healthPort + " is not a port (1..65535)");
            }
            if (checkIntervalMs < 100) {
                throw new Shoal.UsageError("--check-interval: at least 100 ms, was " + checkIntervalMs);
            }
            ApiClient api = parent.root.client();
            List<Node> nodes = nodes(api.get("/nodes"));
            TreeMap<String, Port> ports = ports(api.get("/services"));
            String text = flavour.haproxy ? haproxy(nodes, ports) : nginx(nodes, ports);
            parent.root.out.print(text);
        }

        record Node(String name, String address) {}

        /**
         * @param services the services publishing it
         * @param trusting those of them whose port lists trusted PROXY senders: the balancer sends
         *     them PROXY v2
         */
        record Port(int port, String protocol, List<String> services, List<String> trusting) {
            boolean proxy() {
                return !trusting.isEmpty();
            }

            String key() {
                return protocol + "_" + port;
            }
        }

        static List<Node> nodes(JsonNode list) {
            List<Node> out = new ArrayList<>();
            for (JsonNode n : list) {
                JsonNode addresses = n.path("description").path("addresses");
                if (addresses.size() == 0) {
                    continue; // never reported an underlay address: nothing to send to
                }
                String name = n.path("description")
                        .path("hostname")
                        .asText(n.path("meta").path("id").asText());
                out.add(new Node(name, addresses.get(0).asText()));
            }
            out.sort((a, b) -> a.name().compareTo(b.name()));
            return out;
        }

        /** Ports published through the mesh (ingress mode), keyed {@code tcp_8080}. */
        static TreeMap<String, Port> ports(JsonNode services) {
            TreeMap<String, Port> out = new TreeMap<>();
            for (JsonNode s : services) {
                String name = s.path("spec").path("name").asText();
                for (JsonNode p : s.path("endpoint").path("ports")) {
                    int published = p.path("publishedPort").asInt(0);
                    String mode = p.path("publishMode").asText("ingress");
                    if (published == 0 || !mode.equalsIgnoreCase("ingress")) {
                        continue;
                    }
                    String proto = p.path("protocol").asText("tcp").toLowerCase(Locale.ROOT);
                    Port port = out.computeIfAbsent(
                            proto + "_" + published,
                            k -> new Port(published, proto, new ArrayList<>(), new ArrayList<>()));
                    port.services().add(name);
                    if (p.path("trustedProxies").size() > 0 && proto.equals("tcp")) {
                        port.trusting().add(name);
                    }
                }
            }
            return out;
        }

        String haproxy(List<Node> nodes, TreeMap<String, Port> ports) {
            StringBuilder b = new StringBuilder();
            header(b, "#", nodes, ports);
            // 4096 connections need about 8,200 descriptors: within the usual 65,536 (or a
            // container's 20,000) limit; raise it with the host's ulimit for more.
            b.append("global\n    maxconn 4096\n\n");
            b.append("defaults\n");
            b.append("    mode tcp\n");
            b.append("    timeout connect 2s\n    timeout client 60s\n    timeout server 60s\n");
            b.append("    option redispatch\n    retries 2\n\n");
            for (Port p : ports.values()) {
                if (!p.protocol().equals("tcp")) {
                    b.append("# ")
                            .append(p.port())
                            .append('/')
                            .append(p.protocol())
                            .append(" (")
                            .append(String.join(", ", p.services()))
                            .append("): HAProxy does not balance UDP; use --nginx for it\n\n");
                    continue;
                }
                String name = "shoal_" + p.key();
                b.append("# ").append(String.join(", ", p.services())).append('\n');
                b.append("frontend ").append(name).append('\n');
                b.append("    bind :").append(p.port()).append('\n');
                b.append("    default_backend ").append(name).append("\n\n");
                b.append("backend ").append(name).append('\n');
                b.append("    balance roundrobin\n");
                b.append("    option httpchk GET /healthz/ports/")
                        .append(p.port())
                        .append('/')
                        .append(p.protocol())
                        .append('\n');
                b.append("    http-check expect status 200\n");
                b.append("    default-server check port ")
                        .append(healthPort)
                        .append(" inter ")
                        .append(checkIntervalMs)
                        .append(" fall 2 rise 2")
                        .append('\n');
                boolean proxy = sendProxy || p.proxy();
                for (Node n : nodes) {
                    // Health checks go to the check port without a PROXY header (HAProxy sends one
                    // on checks only with check-send-proxy).
                    b.append("    server ")
                            .append(serverName(n))
                            .append(' ')
                            .append(n.address())
                            .append(':')
                            .append(p.port())
                            .append(proxy ? " send-proxy-v2" : "")
                            .append('\n');
                }
                b.append('\n');
            }
            return b.toString();
        }

        String nginx(List<Node> nodes, TreeMap<String, Port> ports) {
            StringBuilder b = new StringBuilder();
            header(b, "#", nodes, ports);
            b.append("# nginx (open source) has no active health checks: a node that fails is skipped for\n");
            b.append("# fail_timeout after max_fails errors; Shoal's /healthz endpoints (port ")
                    .append(healthPort)
                    .append(") suit nginx Plus or an external checker.\n");
            b.append("stream {\n");
            for (Port p : ports.values()) {
                String name = "shoal_" + p.key();
                b.append("    # ").append(String.join(", ", p.services())).append('\n');
                b.append("    upstream ").append(name).append(" {\n");
                for (Node n : nodes) {
                    b.append("        server ")
                            .append(n.address())
                            .append(':')
                            .append(p.port())
                            .append(" max_fails=2 fail_timeout=5s;\n");
                }
                b.append("    }\n");
                b.append("    server {\n");
                b.append("        listen ")
                        .append(p.port())
                        .append(p.protocol().equals("udp") ? " udp" : "")
                        .append(";\n");
                b.append("        proxy_pass ").append(name).append(";\n");
                b.append("        proxy_connect_timeout 2s;\n");
                if ((sendProxy || p.proxy()) && p.protocol().equals("tcp")) {
                    b.append("        proxy_protocol on;\n");
                }
                b.append("    }\n");
            }
            b.append("}\n");
            return b.toString();
        }

        private static void header(StringBuilder b, String c, List<Node> nodes, TreeMap<String, Port> ports) {
            b.append(c)
                    .append(" generated by 'shoal lb config' at ")
                    .append(Instant.now())
                    .append(": ")
                    .append(nodes.size())
                    .append(" node(s), ")
                    .append(ports.size())
                    .append(" published port(s)\n");
            b.append(c).append(" regenerate when nodes join or leave or ports are published\n\n");
        }

        private static String serverName(Node n) {
            return n.name().replaceAll("[^A-Za-z0-9_.-]", "_");
        }
    }
}
