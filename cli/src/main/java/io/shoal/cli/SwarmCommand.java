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
        subcommands = {SwarmCommand.JoinToken.class})
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
}
