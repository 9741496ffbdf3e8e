package io.shoal.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code shoal} command: drives a manager through its API. Exit codes: 0 success, 1 the
 * operation failed (the manager's message on stderr, one line), 2 usage error.
 */
@Command(
        name = "shoal",
        mixinStandardHelpOptions = true,
        version = "shoal 0.1.0",
        description = "Drive a Shoal cluster through a manager's API.",
        subcommands = {
            ServiceCommand.class,
            NodeCommand.class,
            NetworkCommand.class,
            SwarmCommand.class,
            LbCommand.class,
            DnsCommand.class,
            MeshCommand.class
        })
public final class Shoal implements Runnable {
    @Option(
            names = {"-H", "--host"},
            description = "The manager: unix:///path or tcp://HOST:PORT (default: $SHOAL_HOST, else ${DEFAULT-VALUE})",
            defaultValue = "${env:SHOAL_HOST:-" + ApiClient.DEFAULT_HOST + "}")
    String host;

    @Option(names = "--tlscacert", description = "TLS: the CA that signed the manager's certificate (PEM)")
    java.nio.file.Path tlsCaCert;

    @Option(names = "--tlscert", description = "TLS: this client's certificate (PEM)")
    java.nio.file.Path tlsCert;

    @Option(names = "--tlskey", description = "TLS: this client's key (PEM, unencrypted PKCS#8)")
    java.nio.file.Path tlsKey;

    @Option(
            names = "--tlsverify",
            description = "Use TLS and verify the manager (implied by the three files; as Docker's flag)")
    boolean tlsVerify;

    PrintStream out;
    PrintStream err;
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Spec
    void spec(CommandLine.Model.CommandSpec s) {
        this.spec = s;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "a command is required (service, node, network, swarm, lb, dns, mesh)");
    }

    /** A command line that parsed but makes no sense (a bad duration, port or format): exit 2. */
    static final class UsageError extends RuntimeException {
        UsageError(String message) {
            super(message);
        }
    }

    ApiClient client() {
        ClientTls tls = null;
        if (tlsVerify || tlsCaCert != null || tlsCert != null || tlsKey != null) {
            if (tlsCaCert == null || tlsCert == null || tlsKey == null) {
                throw new UsageError("--tlscacert, --tlscert and --tlskey go together (the manager verifies"
                        + " client certificates)");
            }
            tls = new ClientTls(tlsCaCert, tlsCert, tlsKey);
        }
        try {
            return new ApiClient(host, tls);
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
    }

    /** Runs the command line; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Shoal root = new Shoal();
        root.out = out;
        root.err = err;
        CommandLine cl = new CommandLine(root);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        // IMAGE [COMMAND] [ARG...]: everything after the image belongs to the task, options included.
        cl.getSubcommands().get("service").getSubcommands().get("create").setStopAtPositional(true);
        // Usage errors: one line naming the problem and where help is, not the whole usage text.
        cl.setParameterExceptionHandler((e, ignored) -> {
            String where = e.getCommandLine().getCommandSpec().qualifiedName();
            err.println("Error: " + oneLine(e.getMessage()) + " (see '" + where + " --help')");
            return 2;
        });
        cl.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            Throwable t = e;
            if (t instanceof UsageError) {
                err.println("Error: " + oneLine(t.getMessage()));
                return 2;
            }
            if (t instanceof ApiClient.ApiError
                    || t instanceof ApiClient.Unreachable
                    || t instanceof IllegalArgumentException) {
                err.println("Error: " + oneLine(t.getMessage()));
                return 1;
            }
            err.println("Error: " + oneLine(String.valueOf(t)));
            return 1;
        });
        return cl.execute(args);
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\n\\s*", " ").trim();
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }
}
