package io.shoal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.shoal.model.Json;
import io.shoal.model.Node;
import io.shoal.model.NodeAvailability;
import io.shoal.model.NodeRole;
import io.shoal.model.NodeSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code shoal node …}: list, inspect and update nodes. */
@Command(
        name = "node",
        description = "Manage nodes",
        subcommands = {NodeCommand.Ls.class, NodeCommand.Inspect.class, NodeCommand.Update.class, NodeCommand.Rm.class})
final class NodeCommand {
    @ParentCommand
    Shoal root;

    @Command(name = "ls", description = "List nodes (the leader is marked, and this manager with *)")
    static final class Ls implements Runnable {
        @ParentCommand
        NodeCommand parent;

        @Mixin
        Output output;

        @Override
        public void run() {
            ApiClient api = parent.root.client();
            List<Node> nodes = new ArrayList<>();
            api.get("/nodes").forEach(n -> nodes.add(ApiClient.as(n, Node.class)));
            // Which manager leads, and which one answers, come from the Docker-shaped view.
            Set<String> leaders = new HashSet<>();
            for (JsonNode n : api.get("/v1.41/nodes")) {
                if (n.path("ManagerStatus").path("Leader").asBoolean()) {
                    leaders.add(n.path("ID").asText());
                }
            }
            String self = api.get("/info").path("Swarm").path("NodeID").asText();
            nodes.sort(
                    java.util.Comparator.comparing((Node n) -> n.description().hostname()));
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Node n : nodes) {
                String manager =
                        leaders.contains(n.id()) ? "Leader" : n.spec().role() == NodeRole.MANAGER ? "Reachable" : "";
                Map<String, Object> row = Output.row(
                        "ID",
                                output.id(n.id())
                                        + (n.id().equals(self) && !output.quiet && output.format.equals("table")
                                                ? " *"
                                                : ""),
                        "HOSTNAME", n.description().hostname(),
                        "STATUS", ServiceCommand.title(n.status().state().json()),
                        "AVAILABILITY",
                                ServiceCommand.title(n.spec().availability().json()),
                        "MANAGER STATUS", manager);
                if (output.format.equals("json")) {
                    row.put("SELF", n.id().equals(self));
                }
                rows.add(row);
            }
            output.print(parent.root.out, List.of("ID", "HOSTNAME", "STATUS", "AVAILABILITY", "MANAGER STATUS"), rows);
        }
    }

    @Command(name = "inspect", description = "Show nodes as JSON")
    static final class Inspect implements Runnable {
        @ParentCommand
        NodeCommand parent;

        @Parameters(arity = "1..*", paramLabel = "NODE")
        List<String> nodes;

        @Override
        public void run() {
            ArrayNode out = Json.mapper().createArrayNode();
            for (String n : nodes) {
                out.add(parent.root.client().get("/nodes/" + n));
            }
            parent.root.out.println(out.toPrettyString());
        }
    }

    /** Forgets nodes that are down (their agents stopped): addresses given back, tasks moved. */
    @Command(name = "rm", description = "Remove nodes that are down (stop their agent first)")
    static final class Rm implements Runnable {
        @ParentCommand
        NodeCommand parent;

        @Parameters(arity = "1..*", paramLabel = "NODE")
        List<String> nodes;

        @Override
        public void run() {
            for (String n : nodes) {
                parent.root.client().delete("/nodes/" + n);
                parent.root.out.println(n);
            }
        }
    }

    @Command(name = "update", description = "Update a node's availability, role or labels")
    static final class Update implements Runnable {
        @ParentCommand
        NodeCommand parent;

        @Option(names = "--availability", description = "active, pause or drain")
        String availability;

        @Option(names = "--role", description = "manager or worker")
        String role;

        @Option(names = "--label-add", description = "Add a label KEY=VALUE")
        List<String> labelAdd = new ArrayList<>();

        @Option(names = "--label-rm", description = "Remove a label")
        List<String> labelRm = new ArrayList<>();

        @Parameters(index = "0", paramLabel = "NODE")
        String node;

        @Override
        public void run() {
            NodeAvailability a;
            NodeRole r;
            try {
                a = availability == null ? null : NodeAvailability.parse(availability);
                r = role == null ? null : NodeRole.parse(role);
            } catch (IllegalArgumentException e) {
                throw new Shoal.UsageError(e.getMessage());
            }
            ApiClient api = parent.root.client();
            Node n = ApiClient.as(api.get("/nodes/" + node), Node.class);
            Map<String, String> labels = new LinkedHashMap<>(n.spec().labels());
            labelRm.forEach(labels::remove);
            labels.putAll(ServiceCommand.keyValues("--label-add", labelAdd));
            NodeSpec spec = new NodeSpec(
                    n.spec().name(),
                    r == null ? n.spec().role() : r,
                    a == null ? n.spec().availability() : a,
                    labels);
            api.post(
                    "/nodes/" + n.id() + "/update",
                    Map.of("version", Long.toString(n.meta().version())),
                    spec);
            parent.root.out.println(node);
        }
    }
}
