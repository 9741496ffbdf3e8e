package io.shoal.agent;

import io.shoal.agent.exec.DockerExecutor;
import io.shoal.agent.exec.Executor;
import io.shoal.agent.exec.ProcessExecutor;
import io.shoal.agent.net.DataPlaneConfig;
import io.shoal.agent.net.TransparentRouting;
import io.shoal.controlplane.join.JoinTokens;
import io.shoal.controlplane.store.Layout;
import io.shoal.dns.forward.ResolvConf;
import io.shoal.dns.netns.ContainerDns.Port53;
import io.shoal.model.Cidr;
import io.shoal.model.Member;
import io.shoal.model.NodeRole;
import io.shoal.model.Resources;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
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
        // Netty samples 1 buffer in 128 for leak tracking by default; in the daemon that costs the
        // mesh's relay JIT recompilations for nothing (tests run with the detector on). An explicit
        // -Dio.netty.leakDetection.level still wins.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        System.exit(new CommandLine(new Shoald()).execute(args));
    }

    @Option(
            names = "--networking",
            defaultValue = "true",
            negatable = true,
            description = "Wire overlays, service VIPs, embedded DNS and the routing mesh (default ${DEFAULT-VALUE});"
                    + " needs --advertise-addr.")
    boolean networking;

    @Option(
            names = "--sandbox-prefix",
            description = "Prefix of this node's overlay sandbox namespaces (default sov-<hash of the node id>-);"
                    + " agents sharing one machine need different ones.")
    String sandboxPrefix;

    @Option(
            names = "--netns-prefix",
            defaultValue = "shoal-",
            description = "Prefix of the /run/netns names given to task namespaces (default ${DEFAULT-VALUE}); the"
                    + " agent removes namespaces with it that belong to none of its tasks, so agents sharing one"
                    + " machine need different ones.")
    String netnsPrefix;

    @Option(
            names = "--dns-upstream",
            split = ",",
            description = "Upstream resolvers for names Shoal does not own, ip[:port] (default: the"
                    + " nameservers of /etc/resolv.conf that are not loopback).")
    List<String> dnsUpstreams;

    @Option(
            names = "--dns-port53",
            defaultValue = "redirect",
            description = "redirect (a random port on 127.0.0.11 plus an nftables redirect of 53, as Docker) or"
                    + " direct (bind 53 itself) (default ${DEFAULT-VALUE}).")
    String dnsPort53;

    @Option(
            names = "--mesh-bind",
            defaultValue = "0.0.0.0",
            description = "Address the routing mesh's published ports listen on (default ${DEFAULT-VALUE}).")
    String meshBind;

    @Option(
            names = "--leave-delay",
            defaultValue = "1s",
            description = "How long a stopping task keeps serving after it left DNS, VIPs and the mesh, before"
                    + " its SIGTERM (default ${DEFAULT-VALUE}).")
    String leaveDelay;

    @Option(
            names = "--health-addr",
            defaultValue = "0.0.0.0:9180",
            description = "Where the health endpoint for external load balancers listens (/healthz,"
                    + " /healthz/ports/<port>), ip:port, or none (default ${DEFAULT-VALUE}).")
    String healthAddr;

    @Option(
            names = "--transparent-local",
            defaultValue = "true",
            arity = "1",
            description = "Ports with the local traffic policy connect to local tasks from the client's own"
                    + " address (IP_TRANSPARENT), with the policy routing this needs installed by the agent"
                    + " (nft mark 0x5e, ip rule pref 9400 fwmark 0x5e lookup 94, local 0.0.0.0/0 dev lo table 94;"
                    + " tasks of such services route replies via the node; the numbers are the three options"
                    + " below): true or false (default ${DEFAULT-VALUE}).")
    boolean transparentLocal;

    @Option(
            names = "--transparent-mark",
            defaultValue = "0x5e",
            description = "The packet mark of transparent sockets' packets, 0x-hex or decimal, a non-zero u32"
                    + " (default ${DEFAULT-VALUE}); change it when something else on the host marks packets so.")
    String transparentMark;

    @Option(
            names = "--transparent-route-table",
            defaultValue = "94",
            description = "The routing table holding the local route marked packets look up, 1..252"
                    + " (default ${DEFAULT-VALUE}).")
    int transparentRouteTable;

    @Option(
            names = "--transparent-rule-priority",
            defaultValue = "9400",
            description = "The preference of the fwmark policy rule, 1..32765: before the main table's 32766"
                    + " (default ${DEFAULT-VALUE}).")
    int transparentRulePriority;

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
        Optional<DataPlaneConfig> net;
        try {
            net = networking ? Optional.of(dataPlaneConfig()) : Optional.empty();
        } catch (IllegalArgumentException e) {
            client.close();
            executor.close();
            return fail(1, e.getMessage());
        }
        ShoalAgent agent = new ShoalAgent(client, layout, member, executor, Duration.ofSeconds(2), net);
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

    private DataPlaneConfig dataPlaneConfig() throws IOException {
        Inet4Address underlay = advertise.stream()
                .map(Shoald::ipv4)
                .flatMap(Optional::stream)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        "--advertise-addr: networking needs this host's underlay IPv4 address (or --no-networking)"));
        List<InetSocketAddress> upstreams = new ArrayList<>();
        if (dnsUpstreams != null) {
            for (String u : dnsUpstreams) {
                upstreams.add(hostPort("--dns-upstream", u));
            }
        } else if (Files.exists(Path.of("/etc/resolv.conf"))) {
            for (InetSocketAddress a : ResolvConf.nameservers(Path.of("/etc/resolv.conf"))) {
                if (!a.getAddress().isLoopbackAddress()) {
                    upstreams.add(a);
                }
            }
        }
        Port53 mode =
                switch (dnsPort53) {
                    case "redirect" -> Port53.REDIRECT;
                    case "direct" -> Port53.DIRECT;
                    default -> throw new IllegalArgumentException(
                            "--dns-port53: '" + dnsPort53 + "' must be redirect or direct");
                };
        InetAddress bind = ipv4(meshBind)
                .map(InetAddress.class::cast)
                .orElseThrow(
                        () -> new IllegalArgumentException("--mesh-bind: '" + meshBind + "' is not an IPv4 address"));
        return new DataPlaneConfig(
                underlay,
                sandboxPrefix != null ? sandboxPrefix : defaultSandboxPrefix(nodeId),
                netnsPrefix,
                upstreams,
                mode,
                bind,
                "shoal-ingress",
                parseSeconds("--leave-delay", leaveDelay),
                healthAddr.equals("none") ? null : hostPort("--health-addr", healthAddr, 9180),
                transparentLocal
                        ? transparentSettings(transparentMark, transparentRouteTable, transparentRulePriority)
                        : null);
    }

    /**
     * The node's policy routing for transparent forwarding from the three options; a bad value is
     * refused naming its option.
     */
    static TransparentRouting.Settings transparentSettings(String mark, int routeTable, int rulePriority) {
        String m = mark.trim();
        long value;
        try {
            value = m.startsWith("0x") || m.startsWith("0X") ? Long.parseLong(m.substring(2), 16) : Long.parseLong(m);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--transparent-mark: '" + mark + "' is not a number (0x5e or 94, say)");
        }
        String nft = TransparentRouting.Settings.DEFAULT.nftTable();
        try {
            return new TransparentRouting.Settings(value, routeTable, rulePriority, nft);
        } catch (IllegalArgumentException e) {
            String flag = e.getMessage().startsWith("transparent mark")
                    ? "--transparent-mark"
                    : e.getMessage().startsWith("transparent route table")
                            ? "--transparent-route-table"
                            : "--transparent-rule-priority";
            throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
        }
    }

    /** {@code sov-<6 hex digits of the node id's hash>-}: unique per node on a shared machine. */
    static String defaultSandboxPrefix(String node) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(node.getBytes(StandardCharsets.UTF_8));
            return "sov-" + HexFormat.of().formatHex(d, 0, 3) + "-";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Optional<Inet4Address> ipv4(String literal) {
        try {
            int ip = Cidr.parseAddress("address", literal, literal.trim());
            return Optional.of((Inet4Address) new Cidr(ip, 32).inetAddress());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    static InetSocketAddress hostPort(String field, String value) {
        return hostPort(field, value, 53);
    }

    static InetSocketAddress hostPort(String field, String value, int defaultPort) {
        String v = value.trim();
        int colon = v.lastIndexOf(':');
        String host = colon < 0 ? v : v.substring(0, colon);
        int port = defaultPort;
        if (colon >= 0) {
            try {
                port = Integer.parseInt(v.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
        }
        Optional<Inet4Address> ip = ipv4(host);
        if (ip.isEmpty() || port < 1 || port > 65535) {
            throw new IllegalArgumentException(
                    field + ": '" + value + "' must be an IPv4 address with an optional :port");
        }
        return new InetSocketAddress(ip.get(), port);
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
