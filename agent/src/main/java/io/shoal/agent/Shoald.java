package io.shoal.agent;

import io.shoal.agent.exec.DockerExecutor;
import io.shoal.agent.exec.Executor;
import io.shoal.agent.exec.ProcessExecutor;
import io.shoal.controlplane.join.JoinTokens;
import io.shoal.controlplane.store.Layout;
import io.shoal.model.Member;
import io.shoal.model.NodeRole;
import io.shoal.model.Resources;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shoald}: the per-host daemon. Runs until SIGTERM/SIGINT; its tasks outlive it. */
@Command(
        name = "shoald",
        mixinStandardHelpOptions = true,
        version = "shoald 0.1.0",
        description = "Shoal's per-host agent: runs this node's tasks and reports their status.")
public final class Shoald implements Callable<Integer> {
    /** Which executor runs the tasks. */
    enum ExecutorKind {
        docker,
        process
    }

    @Option(names = "--node-id", required = true, description = "This node's id (letters, digits, . _ -).")
    String nodeId;

    @Option(names = "--zookeeper", required = true, description = "ZooKeeper connect string, e.g. 198.18.0.1:2181.")
    String zookeeper;

    @Option(
            names = "--executor",
            defaultValue = "docker",
            description = "docker or process (default ${DEFAULT-VALUE}).")
    ExecutorKind executorKind;

    @Option(names = "--docker-socket", defaultValue = "/var/run/docker.sock", description = "The engine's API socket.")
    Path dockerSocket;

    @Option(
            names = "--state-dir",
            description = "Where the process executor keeps its records (default /var/lib/shoal/<node>).")
    Path stateDir;

    @Option(names = "--advertise-addr", description = "This host's underlay IPv4 address(es).")
    List<String> advertise = List.of();

    @Option(names = "--hostname", description = "The host name to publish (default: this host's).")
    String hostname;

    @Option(names = "--root", defaultValue = "/shoal", description = "The cluster's ZooKeeper root.")
    String root;

    @Option(names = "--session-timeout", defaultValue = "10s", description = "ZooKeeper session timeout, e.g. 10s.")
    String sessionTimeout;

    @Option(
            names = "--join-token",
            description = "The cluster's worker or manager join token; checked against the digests the"
                    + " managers stored before this node joins.")
    String joinToken;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Shoald()).execute(args));
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try {
            return run();
        } catch (IllegalArgumentException | IllegalStateException e) {
            return fail(1, e.getMessage());
        }
    }

    private int fail(int code, String message) {
        spec.commandLine().getErr().println("shoald: " + message);
        spec.commandLine().getErr().flush();
        return code;
    }

    private int run() throws Exception {
        Duration session = parseSeconds("--session-timeout", sessionTimeout);
        Layout layout = new Layout(root);
        Member member = new Member(
                nodeId,
                hostname != null ? hostname : localHostname(),
                advertise,
                hostResources(),
                "0.1.0",
                Instant.now());
        Executor executor = executor();
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(zookeeper)
                .sessionTimeoutMs((int) session.toMillis())
                .connectionTimeoutMs(5000)
                .retryPolicy(new ExponentialBackoffRetry(200, 10, 5000))
                .build();
        client.start();
        if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
            client.close();
            return fail(1, "no ZooKeeper connection to " + zookeeper + " within 30 s");
        }
        if (joinToken != null) {
            try {
                NodeRole role = JoinTokens.load(client, layout).verify(joinToken);
                spec.commandLine().getOut().println("shoald: join token accepted (" + role + " token)");
            } catch (RuntimeException e) {
                client.close();
                return fail(1, e.getMessage());
            }
        }
        ShoalAgent agent = new ShoalAgent(client, layout, member, executor, Duration.ofSeconds(2));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                agent.close();
                                client.close();
                            } catch (IOException e) {
                                System.err.println("shoald: closing: " + e);
                            }
                            stopped.countDown();
                        },
                        "shoald-shutdown"));
        agent.start();
        stopped.await();
        return 0;
    }

    private Executor executor() {
        return switch (executorKind) {
            case docker -> {
                Throwable why = DockerExecutor.unavailabilityCause(dockerSocket);
                if (why != null) {
                    throw new IllegalStateException(
                            "--executor docker: no Docker engine answers on " + dockerSocket + " (" + why.getMessage()
                                    + "); start dockerd or use --executor process",
                            why);
                }
                yield DockerExecutor.open(dockerSocket, nodeId);
            }
            case process -> {
                Throwable why = ProcessExecutor.unavailabilityCause();
                if (why != null) {
                    throw new IllegalStateException("--executor process: " + why.getMessage(), why);
                }
                Path dir = stateDir != null ? stateDir : Path.of("/var/lib/shoal", nodeId);
                yield new ProcessExecutor(nodeId, "shoal", dir);
            }
        };
    }

    /** Parses {@code 10s}, {@code 500ms} or a bare number of seconds. */
    static Duration parseSeconds(String field, String value) {
        String v = value.trim();
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            return Duration.ofSeconds(Long.parseLong(v));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(field + ": '" + value + "' must be a duration like 10s or 500ms");
        }
    }

    private static String localHostname() throws IOException {
        Path etc = Path.of("/etc/hostname");
        if (Files.exists(etc)) {
            String h = Files.readString(etc).trim();
            if (!h.isEmpty()) {
                return h;
            }
        }
        return InetAddress.getLocalHost().getHostName();
    }

    /** All CPUs and memory of this host, as the scheduler's offer. */
    static Resources hostResources() throws IOException {
        long memKb = 0;
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                memKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return new Resources(Runtime.getRuntime().availableProcessors() * 1_000_000_000L, memKb * 1024);
    }
}
