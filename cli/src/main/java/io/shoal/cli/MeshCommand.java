package io.shoal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code shoal mesh status}: which nodes answer which port published through the routing mesh,
 * and their health. The ports come from the manager (services' ingress-mode ports), the nodes with
 * their state, availability and underlay address from the manager too; each node's health endpoint
 * ({@code GET http://<address>:<health-port>/healthz/ports/<port>/<proto>}, the agent's
 * {@code --health-addr}) says whether it serves the port now: 200 yes, 503 no (draining, or no
 * ready backend). All nodes are asked at once, each with a short timeout.
 */
@Command(name = "mesh", description = "The routing mesh", subcommands = MeshCommand.Status.class)
final class MeshCommand {
    @ParentCommand
    Shoal root;

    @Command(name = "status", description = "Which nodes answer which published port, and their health")
    static final class Status implements Runnable {
        @ParentCommand
        MeshCommand parent;

        @Mixin
        Output output;

        @Option(
                names = "--health-port",
                defaultValue = "9180",
                description = "The nodes' health endpoint port (shoald --health-addr; default ${DEFAULT-VALUE})")
        int healthPort;

        @Option(names = "--timeout", defaultValue = "1s", description = "Per node (default ${DEFAULT-VALUE})")
        String timeout;

        @Override
        public void run() {
            if (healthPort < 1 || healthPort > 65535) {
                throw new Shoal.UsageError("--health-port: " + healthPort + " is not a port (1..65535)");
            }
            Duration wait = Durations.parse("--timeout", timeout);
            ApiClient api = parent.root.client();
            JsonNode nodes = api.get("/nodes");
            TreeMap<String, Port> ports = ports(api.get("/services"));
            HttpClient http = HttpClient.newBuilder().connectTimeout(wait).build();
            record Probe(Port port, JsonNode node, CompletableFuture<String[]> health) {}
            List<Probe> probes = new ArrayList<>();
            for (Port p : ports.values()) {
                for (JsonNode n : nodes) {
                    String address =
                            n.path("description").path("addresses").path(0).asText("");
                    CompletableFuture<String[]> h;
                    if (address.isEmpty()) {
                        h = CompletableFuture.completedFuture(new String[] {"unknown", "", "no underlay address"});
                    } else {
                        String host = address.contains(":") ? "[" + address + "]" : address;
                        HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + host + ":" + healthPort
                                        + "/healthz/ports/" + p.port() + "/" + p.protocol()))
                                .timeout(wait)
                                .GET()
                                .build();
                        h = http.sendAsync(req, HttpResponse.BodyHandlers.ofString())
                                .thenApply(r -> new String[] {
                                    r.statusCode() == 200 ? "healthy" : "unhealthy",
                                    Integer.toString(r.statusCode()),
                                    oneLine(r.body())
                                })
                                .exceptionally(e -> new String[] {
                                    "unreachable", "", oneLine(String.valueOf(e.getCause() == null ? e : e.getCause()))
                                });
                    }
                    probes.add(new Probe(p, n, h));
                }
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Probe pr : probes) {
                String[] h = pr.health().join();
                JsonNode n = pr.node();
                rows.add(Output.row(
                        "PORT", pr.port().port() + "/" + pr.port().protocol(),
                        "SERVICES", pr.port().services(),
                        "NODE",
                                n.path("description")
                                        .path("hostname")
                                        .asText(n.path("meta").path("id").asText()),
                        "STATUS", cap(n.path("status").path("state").asText("")),
                        "AVAILABILITY", cap(n.path("spec").path("availability").asText("")),
                        "ADDRESS",
                                n.path("description").path("addresses").path(0).asText(""),
                        "INGRESS ADDRESS",
                                n.path("status").path("ingressAddress").asText(""),
                        "HEALTH", h[0],
                        "HTTP STATUS", h[1],
                        "DETAIL", h[2]));
            }
            output.print(
                    parent.root.out,
                    List.of(
                            "PORT",
                            "SERVICES",
                            "NODE",
                            "STATUS",
                            "AVAILABILITY",
                            "ADDRESS",
                            "INGRESS ADDRESS",
                            "HEALTH",
                            "HTTP STATUS",
                            "DETAIL"),
                    rows);
        }

        /** A port published through the mesh and the services that publish it. */
        record Port(int port, String protocol, List<String> services) {}

        /** Ports published in ingress mode, keyed {@code tcp_8080} (sorted). */
        static TreeMap<String, Port> ports(JsonNode services) {
            TreeMap<String, Port> out = new TreeMap<>();
            for (JsonNode s : services) {
                for (JsonNode p : s.path("endpoint").path("ports")) {
                    int published = p.path("publishedPort").asInt(0);
                    if (published == 0
                            || !p.path("publishMode").asText("ingress").equalsIgnoreCase("ingress")) {
                        continue;
                    }
                    String proto = p.path("protocol").asText("tcp").toLowerCase(java.util.Locale.ROOT);
                    out.computeIfAbsent(proto + "_" + published, k -> new Port(published, proto, new ArrayList<>()))
                            .services()
                            .add(s.path("spec").path("name").asText());
                }
            }
            return out;
        }

        private static String cap(String s) {
            return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
        }

        private static String oneLine(String s) {
            String t = s == null ? "" : s.replaceAll("\\s+", " ").trim();
            return t.length() > 80 ? t.substring(0, 77) + "..." : t;
        }
    }
}
