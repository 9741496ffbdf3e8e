package io.shoal.balancer.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client namespace and backend namespaces on a bridge that lives in a namespace of its own
 * (never the root namespace). Made with {@code ip} until the netlink module lands. Every name
 * starts with a per-run prefix; {@link #close()} removes everything, also after a failure.
 *
 * <pre>
 *   [pfx-c] 198.18.0.1, .2 ──┐
 *   [pfx-1] 198.18.0.11 ─────┤ br0 in [pfx-b]
 *   [pfx-2] 198.18.0.12 ─────┤
 *   [pfx-3] 198.18.0.13 ─────┘
 *   [pfx-r] 198.18.1.2 ── veth ── 198.18.1.1 [pfx-c]   (the client routes for this "caller")
 * </pre>
 *
 * Backend {@code i} answers as {@code b<i>}: on TCP 8080 (socat) it writes its name then echoes
 * what it reads, so a connection can stay open; on UDP 8053 it answers each datagram with its name.
 * Clients and the UDP server are small python3 scripts ({@code src/test/resources/lab}): one
 * process opens hundreds of connections, each from a new source port, without a fork per try.
 */
public final class NamespaceLab implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NamespaceLab.class);

    public static final String CLIENT_ADDRESS = "198.18.0.1";
    public static final String SECOND_CLIENT_ADDRESS = "198.18.0.2";
    public static final String CALLER_ADDRESS = "198.18.1.2";
    private static final String CALLER_GATEWAY = "198.18.1.1";
    public static final int TCP_PORT = 8080;
    public static final int UDP_PORT = 8053;
    /**
     * A second TCP port every backend answers on: its name, then it closes (a python accept loop,
     * no process per connection). For all-ports VIPs and long spread checks in slow guests.
     */
    public static final int SECOND_TCP_PORT = 9090;

    private final String prefix;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final int backendCount;
    private Path scripts;
    private Thread shutdownHook;

    private NamespaceLab(int backendCount) {
        this.backendCount = backendCount;
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        SecureRandom r = new SecureRandom();
        StringBuilder sb = new StringBuilder("lb");
        for (int i = 0; i < 4; i++) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        this.prefix = sb.toString();
    }

    /** Builds the namespaces and starts the backends; on failure removes what it made. */
    public static NamespaceLab start(int backends) {
        NamespaceLab lab = new NamespaceLab(backends);
        // A test JVM stopped by a signal skips @AfterAll; the hook still cleans up.
        Thread hook = new Thread(lab::close, "lab-cleanup-" + lab.prefix);
        lab.shutdownHook = hook;
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            lab.build();
            return lab;
        } catch (RuntimeException | Error e) {
            lab.close();
            throw e;
        }
    }

    private void build() {
        scripts = copyScripts();
        String bridge = bridgeNs();
        addNs(bridge);
        ip("-n", bridge, "link", "add", "br0", "type", "bridge");
        ip("-n", bridge, "link", "set", "br0", "up");
        attach(clientNs(), "vc", CLIENT_ADDRESS);
        ip("-n", clientNs(), "addr", "add", SECOND_CLIENT_ADDRESS + "/16", "dev", "eth0");
        // VIPs live in the overlay range; the client routes them to its link, where DNAT rewrites them.
        ip("-n", clientNs(), "route", "add", "100.64.0.0/10", "dev", "eth0");
        // The caller reaches VIPs through the client namespace, which forwards: the path of a
        // connection routed through a namespace (prerouting) rather than opened in it (output).
        addNs(callerNs());
        ip("-n", clientNs(), "link", "add", "eth1", "type", "veth", "peer", "name", "eth0", "netns", callerNs());
        ip("-n", clientNs(), "addr", "add", CALLER_GATEWAY + "/24", "dev", "eth1");
        ip("-n", clientNs(), "link", "set", "eth1", "up");
        ip("-n", callerNs(), "addr", "add", CALLER_ADDRESS + "/24", "dev", "eth0");
        ip("-n", callerNs(), "link", "set", "eth0", "up");
        ip("-n", callerNs(), "route", "add", "100.64.0.0/10", "via", CALLER_GATEWAY);
        exec(List.of("ip", "netns", "exec", clientNs(), "sysctl", "-qw", "net.ipv4.ip_forward=1"), 10)
                .checked();
        for (int i = 1; i <= backendCount; i++) {
            attach(backendNs(i), "v" + i, backendAddress(i));
            // Answers to the caller go back through the client, where conntrack undoes the DNAT.
            ip("-n", backendNs(i), "route", "add", "198.18.1.0/24", "via", CLIENT_ADDRESS);
            String name = backendName(i);
            spawn(
                    backendNs(i),
                    "socat",
                    // Wait up to 10 s (not socat's 0.5 s) for the answer after the client's EOF:
                    // the client half-closes at once, and under a slow guest the forked shell
                    // could not echo the name within 0.5 s, so the answer was lost ("-").
                    "-t",
                    "10",
                    "TCP-LISTEN:" + TCP_PORT + ",fork,reuseaddr",
                    "SYSTEM:echo " + name + "; exec cat");
            // No fork per connection: cheap enough for hundreds of connections in an emulated guest.
            spawn(
                    backendNs(i),
                    "python3",
                    scripts.resolve("tcp_server.py").toString(),
                    Integer.toString(SECOND_TCP_PORT),
                    name);
            // socat's UDP-RECVFROM,fork drops datagrams that arrive while it forks; a loop does not.
            spawn(
                    backendNs(i),
                    "python3",
                    scripts.resolve("udp_server.py").toString(),
                    Integer.toString(UDP_PORT),
                    name);
        }
        for (int i = 1; i <= backendCount; i++) {
            awaitListening(backendNs(i));
        }
    }

    private Path copyScripts() {
        try {
            Path dir = Files.createTempDirectory("shoal-" + prefix);
            for (String name : List.of("client.py", "udp_server.py", "tcp_server.py")) {
                try (var in = NamespaceLab.class.getResourceAsStream("/lab/" + name)) {
                    Files.copy(java.util.Objects.requireNonNull(in, name), dir.resolve(name));
                }
            }
            return dir;
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the lab's scripts", e);
        }
    }

    private void attach(String ns, String bridgeSide, String address) {
        addNs(ns);
        ip("-n", bridgeNs(), "link", "add", bridgeSide, "type", "veth", "peer", "name", "eth0", "netns", ns);
        ip("-n", bridgeNs(), "link", "set", bridgeSide, "master", "br0", "up");
        ip("-n", ns, "addr", "add", address + "/16", "dev", "eth0");
        ip("-n", ns, "link", "set", "eth0", "up");
    }

    private void addNs(String ns) {
        ip("netns", "add", ns);
        namespaces.add(ns);
        ip("-n", ns, "link", "set", "lo", "up");
    }

    private void awaitListening(String ns) {
        org.awaitility.Awaitility.await("backend in " + ns + " listening on " + TCP_PORT)
                .atMost(java.time.Duration.ofSeconds(10))
                .pollInterval(java.time.Duration.ofMillis(50))
                .until(() -> {
                    String out = exec(List.of("ip", "netns", "exec", ns, "ss", "-Hltun"), 10)
                            .stdout();
                    return out.contains(":" + TCP_PORT)
                            && out.contains(":" + UDP_PORT)
                            && out.contains(":" + SECOND_TCP_PORT);
                });
    }

    public String prefix() {
        return prefix;
    }

    public String clientNs() {
        return prefix + "c";
    }

    /** A namespace behind the client namespace, which routes for it (see the class comment). */
    public String callerNs() {
        return prefix + "r";
    }

    public String bridgeNs() {
        return prefix + "b";
    }

    public String backendNs(int i) {
        return prefix + i;
    }

    public static String backendAddress(int i) {
        return "198.18.0." + (10 + i);
    }

    public static String backendName(int i) {
        return "b" + i;
    }

    /**
     * Opens {@code n} short TCP connections from the client namespace, one after the other, each
     * from a new source port, and returns the name each was answered with ({@code "refused"} when
     * refused, {@code "-"} when nothing answered).
     */
    public List<String> tcpAnswers(String vip, int port, int n, String sourceAddress) {
        return client("tcp", vip, port, n, sourceAddress);
    }

    /** {@link #tcpAnswers(String, int, int, String)} from the client's first address. */
    public List<String> tcpAnswers(String vip, int port, int n) {
        return tcpAnswers(vip, port, n, CLIENT_ADDRESS);
    }

    /** Source "address" that makes the client leave the choice of its source to the kernel. */
    public static final String KERNEL_CHOOSES_SOURCE = "any";

    /** Sends {@code n} UDP datagrams, each from a new source port, and returns the names that answered. */
    public List<String> udpAnswers(String vip, int port, int n, String sourceAddress) {
        return client("udp", vip, port, n, sourceAddress);
    }

    /** Sends {@code n} UDP datagrams, each from a new source port, and returns the names that answered. */
    public List<String> udpAnswers(String vip, int port, int n) {
        return client("udp", vip, port, n, CLIENT_ADDRESS);
    }

    /**
     * Opens {@code n} TCP connections from the routed caller, whose packets to VIPs cross the
     * client namespace as a router: they meet the balancer in its prerouting hook.
     */
    public List<String> routedTcpAnswers(String vip, int port, int n) {
        return client(callerNs(), "tcp", vip, port, n, CALLER_ADDRESS);
    }

    private List<String> client(String proto, String vip, int port, int n, String source) {
        return client(clientNs(), proto, vip, port, n, source);
    }

    private List<String> client(String ns, String proto, String vip, int port, int n, String source) {
        List<String> command = List.of(
                "ip",
                "netns",
                "exec",
                ns,
                "python3",
                scripts.resolve("client.py").toString(),
                proto,
                vip,
                Integer.toString(port),
                Integer.toString(n),
                source);
        // Generous: a connection costs ~0.25 s inside a user-mode-Linux guest on a loaded machine.
        return lines(exec(command, 30 + n / 2).checked().stdout());
    }

    /** Counts answers per name, in order of first appearance. */
    public static Map<String, Integer> count(List<String> answers) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String a : answers) {
            counts.merge(a, 1, Integer::sum);
        }
        return counts;
    }

    /** Opens a TCP connection from the client namespace that stays open until closed. */
    public LongLivedConnection openConnection(String vip, int port) {
        // From the client's own address, as the python client binds it: with IPVS the VIP is a
        // local address of the client namespace (on lo), so an unbound socket would take the VIP
        // itself as its source, and the backends have no route back to the VIP range.
        Process p = spawn(clientNs(), "socat", "-", "TCP:" + vip + ":" + port + ",bind=" + CLIENT_ADDRESS);
        return new LongLivedConnection(p);
    }

    /** Runs {@code command} in the client namespace and returns its output. */
    public String inClient(String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", clientNs()));
        full.addAll(List.of(command));
        return exec(full, 30).checked().stdout();
    }

    private Process spawn(String ns, String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        try {
            Process p = new ProcessBuilder(full)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            processes.add(p);
            return p;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + full, e);
        }
    }

    /** Stops every process and removes every namespace; safe to call twice. */
    @Override
    public synchronized void close() {
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // Already shutting down: the hook runs (or ran) this same cleanup.
            }
        }
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        processes.clear();
        for (String ns : namespaces) {
            // Children a forked socat left behind still live in our namespace: end them by pid.
            for (String pid : lines(exec(List.of("ip", "netns", "pids", ns), 10).stdout())) {
                ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
            }
            Result r = exec(List.of("ip", "netns", "del", ns), 10);
            if (r.exit() != 0) {
                LOG.warn("could not delete namespace {}: {}", ns, r.stderr());
            }
        }
        namespaces.clear();
        if (scripts != null) {
            try (var files = Files.list(scripts)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
                Files.deleteIfExists(scripts);
            } catch (IOException e) {
                LOG.warn("could not delete {}: {}", scripts, e.toString());
            }
        }
    }

    private static List<String> lines(String s) {
        return s.lines().filter(l -> !l.isBlank()).toList();
    }

    private void ip(String... args) {
        List<String> full = new ArrayList<>();
        full.add("ip");
        full.addAll(List.of(args));
        exec(full, 10).checked();
    }

    /** Output of a finished command. */
    public record Result(List<String> command, int exit, String stdout, String stderr) {
        Result checked() {
            if (exit != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (exit " + exit + "): " + stderr);
            }
            return this;
        }
    }

    static Result exec(List<String> command, long timeoutSeconds) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("lab", ".out");
            err = Files.createTempFile("lab", ".err");
            Process p = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " took over " + timeoutSeconds + " s");
            }
            return new Result(command, p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + command, e);
        } finally {
            try {
                if (out != null) {
                    Files.deleteIfExists(out);
                }
                if (err != null) {
                    Files.deleteIfExists(err);
                }
            } catch (IOException ignored) {
                // temp files only
            }
        }
    }

    /** A TCP connection held open by a socat in the client namespace; the backend echoes lines. */
    public static final class LongLivedConnection implements AutoCloseable {
        private final Process process;
        private final BufferedReader reader;

        LongLivedConnection(Process process) {
            this.process = process;
            this.reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        /** Reads one line, failing after {@code seconds}. */
        public String readLine(long seconds) {
            try {
                return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                            try {
                                String l = reader.readLine();
                                if (l == null) {
                                    throw new IllegalStateException("connection closed by the other side");
                                }
                                return l;
                            } catch (IOException e) {
                                throw new IllegalStateException(e);
                            }
                        })
                        .get(seconds, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("no line within " + seconds + " s", e);
            }
        }

        /** Sends a line and returns the line that comes back. */
        public String echo(String line) {
            try {
                process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
                process.getOutputStream().flush();
            } catch (IOException e) {
                throw new IllegalStateException("cannot write to the connection", e);
            }
            return readLine(5);
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }
}
