package io.shoal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code shoal swarm …}: cluster-wide commands. */
@Command(
        name = "swarm",
        description = "Manage the cluster",
        subcommands = {
            SwarmCommand.Init.class,
            SwarmCommand.Join.class,
            SwarmCommand.JoinToken.class,
            SwarmCommand.Leave.class
        })
final class SwarmCommand {
    @ParentCommand
    Shoal root;

    @Command(
            name = "join-token",
            description = "Make a new join token for workers or managers (the old one stops working)")
    static final class JoinToken implements Runnable {
        @ParentCommand
        SwarmCommand parent;

        @Option(names = "--rotate", description = "Replace the token (required: tokens are shown only when made)")
        boolean rotate;

        @Option(
                names = {"-q", "--quiet"},
                description = "Only print the token")
        boolean quiet;

        @Parameters(index = "0", paramLabel = "worker|manager")
        String role;

        @Override
        public void run() {
            if (!role.equals("worker") && !role.equals("manager")) {
                throw new Shoal.UsageError("'" + role + "' is not one of worker, manager");
            }
            if (!rotate) {
                throw new IllegalArgumentException("Shoal stores only digests of join tokens, so the current "
                        + role + " token cannot be shown again; run 'shoal swarm join-token --rotate " + role
                        + "' to make a new one (agents already joined are not affected)");
            }
            JsonNode answer = parent.root.client().post("/swarm/join-token", Map.of(), Map.of("role", role));
            String token = answer.path("token").asText();
            if (quiet) {
                parent.root.out.println(token);
                return;
            }
            parent.root.out.println("Successfully rotated " + role + " join token.");
            parent.root.out.println();
            parent.root.out.println("To add a " + role + " to this cluster, run on the new host:");
            parent.root.out.println();
            parent.root.out.println("    shoald --zookeeper <manager>:2181 --join-token " + token);
        }
    }

    /**
     * A Shoal cluster is made by its first manager process, not by a command: say so, and when a
     * manager answers, say that it runs a cluster already (Docker's words). Never a silent success.
     */
    @Command(name = "init", description = "Explain how a Shoal cluster is made (by starting shoal-manager)")
    static final class Init implements Runnable {
        @ParentCommand
        SwarmCommand parent;

        @Override
        public void run() {
            String how = "a Shoal cluster is made by starting its first manager: shoal-manager [--listen HOST:PORT]"
                    + " [--pool CIDR] (it prints the join tokens once); more managers join it with shoal-manager"
                    + " --zookeeper <the ensemble>";
            try {
                parent.root.client().get("/healthz");
            } catch (ApiClient.Unreachable e) {
                throw new IllegalArgumentException("no manager answers at " + parent.root.host + "; " + how);
            }
            throw new IllegalArgumentException("This node is already part of a swarm: the manager at "
                    + parent.root.host + " runs a cluster (" + how + ")");
        }
    }

    /**
     * Joining is done by the node's agent ({@code shoald --join-token}); this checks the token
     * against the manager and prints the agent's command line. It starts nothing itself.
     */
    @Command(name = "join", description = "Check a join token and print the shoald command that joins this host")
    static final class Join implements Runnable {
        @ParentCommand
        SwarmCommand parent;

        @Option(names = "--token", required = true, description = "A worker or manager join token")
        String token;

        @Option(names = "--zookeeper", description = "The cluster's ZooKeeper (host:port,...), for the printed command")
        String zookeeper = "<manager>:2181";

        @Option(names = "--node-id", description = "This node's id, for the printed command")
        String nodeId = "<node-id>";

        @Override
        public void run() {
            JsonNode answer = parent.root.client().post("/swarm/join", Map.of(), Map.of("token", token));
            String role = answer.path("role").asText();
            parent.root.out.println("The token is valid: it joins a " + role + ".");
            parent.root.out.println("Nothing was started: a Shoal node joins by running its agent. On this host run:");
            parent.root.out.println();
            parent.root.out.println("    shoald --node-id " + nodeId + " --zookeeper " + zookeeper + " --advertise-addr"
                    + " <this host's underlay address> --join-token " + token);
        }
    }

    /** Leaving is stopping the node's agent (or the manager process); no API call does it. */
    @Command(name = "leave", description = "Explain how a Shoal node leaves the cluster")
    static final class Leave implements Runnable {
        @ParentCommand
        SwarmCommand parent;

        @Option(
                names = {"-f", "--force"},
                description = "Accepted for Docker's sake; changes nothing")
        boolean force;

        @Override
        public void run() {
            throw new IllegalArgumentException("a Shoal node leaves by stopping its agent (shoald); its tasks move"
                    + " elsewhere after the grace period, then 'shoal node rm <node>' forgets it; a manager leaves by"
                    + " stopping shoal-manager");
        }
    }
}
