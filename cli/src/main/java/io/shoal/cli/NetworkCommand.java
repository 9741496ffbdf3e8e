package io.shoal.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.shoal.model.Cidr;
import io.shoal.model.Json;
import io.shoal.model.Network;
import io.shoal.model.NetworkSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code shoal network …}: overlay networks. */
@Command(
        name = "network",
        description = "Manage overlay networks",
        subcommands = {
            NetworkCommand.Create.class,
            NetworkCommand.Ls.class,
            NetworkCommand.Inspect.class,
            NetworkCommand.Rm.class
        })
final class NetworkCommand {
    @ParentCommand
    Shoal root;

    @Command(name = "create", description = "Create an overlay network")
    static final class Create implements Runnable {
        @ParentCommand
        NetworkCommand parent;

        @Option(
                names = {"-d", "--driver"},
                defaultValue = "overlay",
                description = "Only overlay")
        String driver;

        @Option(names = "--subnet", description = "Subnet in CIDR form (default: from the cluster's pool)")
        String subnet;

        @Option(names = "--gateway", description = "Gateway address inside the subnet")
        String gateway;

        @Option(names = "--attachable", description = "Standalone containers may attach")
        boolean attachable;

        @Option(names = "--internal", description = "No way out of the overlay")
        boolean internal;

        @Option(names = "--label", description = "Label KEY=VALUE")
        List<String> labels = new ArrayList<>();

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public void run() {
            if (!driver.equals("overlay")) {
                throw new Shoal.UsageError("--driver: '" + driver + "' is not supported (Shoal networks are overlay)");
            }
            NetworkSpec spec;
            try {
                Cidr sub = subnet == null ? null : Cidr.parse("--subnet", subnet);
                Cidr gw = gateway == null
                        ? null
                        : Cidr.parse(
                                "--gateway",
                                gateway.contains("/") || sub == null ? gateway : gateway + "/" + sub.prefix());
                spec = new NetworkSpec(
                        name, ServiceCommand.keyValues("--label", labels), sub, gw, attachable, internal, false, 0);
            } catch (IllegalArgumentException e) {
                throw new Shoal.UsageError(e.getMessage());
            }
            parent.root.out.println(parent.root
                    .client()
                    .post("/networks", Map.of(), spec)
                    .path("id")
                    .asText());
        }
    }

    @Command(name = "ls", description = "List networks")
    static final class Ls implements Runnable {
        @ParentCommand
        NetworkCommand parent;

        @Mixin
        Output output;

        @Override
        public void run() {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (var n : parent.root.client().get("/networks")) {
                Network net = ApiClient.as(n, Network.class);
                Cidr subnet = net.subnet() != null ? net.subnet() : net.spec().subnet();
                rows.add(Output.row(
                        "NETWORK ID",
                        output.id(net.id()),
                        "NAME",
                        net.name(),
                        "DRIVER",
                        "overlay",
                        "SCOPE",
                        "swarm",
                        "SUBNET",
                        subnet == null ? "" : subnet.toString()));
            }
            output.print(parent.root.out, List.of("NETWORK ID", "NAME", "DRIVER", "SCOPE", "SUBNET"), rows);
        }
    }

    @Command(name = "inspect", description = "Show networks as JSON")
    static final class Inspect implements Runnable {
        @ParentCommand
        NetworkCommand parent;

        @Parameters(arity = "1..*", paramLabel = "NETWORK")
        List<String> networks;

        @Override
        public void run() {
            ArrayNode out = Json.mapper().createArrayNode();
            for (String n : networks) {
                out.add(parent.root.client().get("/networks/" + n));
            }
            parent.root.out.println(out.toPrettyString());
        }
    }

    @Command(name = "rm", description = "Remove networks")
    static final class Rm implements Runnable {
        @ParentCommand
        NetworkCommand parent;

        @Parameters(arity = "1..*", paramLabel = "NETWORK")
        List<String> networks;

        @Override
        public void run() {
            for (String n : networks) {
                parent.root.client().delete("/networks/" + n);
                parent.root.out.println(n);
            }
        }
    }
}
