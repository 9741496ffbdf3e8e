package io.shoal.testbed.tool;

import io.shoal.testbed.ExecResult;
import io.shoal.testbed.Host;
import io.shoal.testbed.Leftovers;
import io.shoal.testbed.Namespaces;
import io.shoal.testbed.RunPrefix;
import io.shoal.testbed.RunRecord;
import io.shoal.testbed.Sweeper;
import io.shoal.testbed.TcpEcho;
import io.shoal.testbed.Testbed;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Command-line face of the namespace testbed.
 *
 * <pre>
 *   demo [N]            bring up N hosts (3), show they talk, tear down, show nothing is left
 *   up [N]              bring up N hosts (3) and keep them after exit
 *   list                the kept run's members, and every run recorded on this machine
 *   client NAME         add a client or load balancer namespace (198.18.1.k) to the kept run
 *   exec HOST CMD...    run CMD inside HOST (h1, h2 …) of the kept run, terminal attached
 *   cut HOST | heal HOST  cut HOST off the fabric, or plug it back in
 *   down                tear the kept run down
 *   sweep               remove runs whose JVM died
 * </pre>
 *
 * The kept run's prefix is stored in {@code /run/shoal-testbed/current}.
 */
public final class TestbedTool {
    private static final Path STATE = RunRecord.DEFAULT_STATE_DIR;
    private static final Path CURRENT = STATE.resolve("current");
    private static final int ECHO_PORT = 7000;

    private final PrintStream out;

    TestbedTool(PrintStream out) {
        this.out = out;
    }

    /** Runs one command; exits with 0 on success, 1 on failure, 2 on a usage error. */
    public static void main(String[] args) {
        int status;
        try {
            status = new TestbedTool(System.out).run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("testbed: " + e.getMessage());
            System.err.println(usage());
            status = 2;
        } catch (RuntimeException e) {
            System.err.println("testbed: " + e.getMessage());
            status = 1;
        }
        System.exit(status);
    }

    int run(String[] args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("command: missing");
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "demo" -> demo(hostCount(rest));
            case "up" -> up(hostCount(rest));
            case "list" -> list();
            case "client" -> client(rest);
            case "exec" -> exec(rest);
            case "cut" -> cut(rest, true);
            case "heal" -> cut(rest, false);
            case "down" -> down();
            case "sweep" -> sweep();
            default -> throw new IllegalArgumentException("command: unknown '" + args[0] + "'");
        };
    }

    private int demo(int hosts) {
        long started = System.nanoTime();
        Testbed tb = Testbed.builder().hosts(hosts).start();
        int failures = 0;
        try {
            out.printf(
                    "== testbed %s: %d hosts, each a network namespace on the bridge %s in namespace %s%n",
                    tb.prefix(), hosts, tb.prefix().bridge(), tb.prefix().fabricNamespace());
            printMembers(tb);
            out.printf("%n== TCP echo between every pair of hosts (socat echo server on port %d in each)%n", ECHO_PORT);
            for (Host h : tb.hosts()) {
                TcpEcho.startServer(h, ECHO_PORT);
            }
            for (Host h : tb.hosts()) {
                awaitListening(h, ECHO_PORT);
            }
            int total = 0;
            for (Host from : tb.hosts()) {
                for (Host to : tb.hosts()) {
                    if (from == to) {
                        continue;
                    }
                    total++;
                    String payload = "hello " + to.name() + ", this is " + from.name();
                    ExecResult r = TcpEcho.send(from, to.address(), ECHO_PORT, payload, Duration.ofSeconds(3));
                    boolean ok = r.ok() && r.stdout().equals(payload);
                    failures += ok ? 0 : 1;
                    out.printf(
                            "%-3s -> %-3s %-15s sent \"%s\"  echoed \"%s\"  %s%n",
                            from.name(),
                            to.name(),
                            to.address().getHostAddress() + ":" + ECHO_PORT,
                            payload,
                            r.stdout(),
                            ok ? "ok" : "FAILED " + r.stderr().strip());
                }
            }
            out.printf("== %d/%d exchanges echoed%n", total - failures, total);
            if (hosts >= 2) {
                failures += cutAndHeal(tb.host(1), tb.host(hosts));
            }
        } finally {
            out.printf("%n== tearing down %s%n", tb.prefix());
            tb.close();
        }
        Leftovers left = tb.leftovers();
        leftLine("namespaces named " + tb.prefix() + "-*", left.namespaces());
        leftLine("links named " + tb.prefix() + "-* in the root namespace", left.rootLinks());
        leftLine("processes in the run's " + tb.namespaceInodes().size() + " namespaces", left.pids());
        out.printf(
                "== demo %s in %.1f s%n",
                failures == 0 && left.isEmpty() ? "passed" : "FAILED", (System.nanoTime() - started) / 1e9);
        return failures == 0 && left.isEmpty() ? 0 : 1;
    }

    /** Shows that a cut-off host is unreachable and reachable again once healed; returns failures. */
    private int cutAndHeal(Host from, Host victim) {
        out.printf("%n== cut %s off the fabric, then heal it%n", victim.name());
        victim.cutOff();
        ExecResult cut = TcpEcho.send(from, victim.address(), ECHO_PORT, "anyone there?", Duration.ofSeconds(1));
        boolean unreachable = !cut.ok() && cut.stdout().isEmpty();
        out.printf(
                "%s cut off:  %s -> %s %s%n",
                victim.name(),
                from.name(),
                victim.name(),
                unreachable ? "fails as it should (" + lastLine(cut.stderr()) + ")" : "STILL ANSWERS");
        victim.heal();
        ExecResult healed = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        // Neighbour entries may have failed while cut; the first tries after heal may still time out.
        while (System.nanoTime() < deadline
                && (healed == null || !healed.stdout().equals("back again"))) {
            healed = TcpEcho.send(from, victim.address(), ECHO_PORT, "back again", Duration.ofSeconds(1));
        }
        boolean back = healed != null && healed.stdout().equals("back again");
        out.printf(
                "%s healed:   %s -> %s %s%n",
                victim.name(), from.name(), victim.name(), back ? "echoed \"" + healed.stdout() + "\"  ok" : "FAILED");
        return (unreachable ? 0 : 1) + (back ? 0 : 1);
    }

    private void leftLine(String what, List<?> items) {
        out.printf("left behind: %-45s %s%n", what, describe(items));
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        String last = lines[lines.length - 1];
        // socat prefixes its messages with a timestamp and pid; keep the reason.
        int reason = last.lastIndexOf(": ");
        return reason >= 0 ? last.substring(reason + 2) : last;
    }

    private int up(int hosts) {
        Optional<RunPrefix> current = current();
        if (current.isPresent()) {
            throw new IllegalStateException("run " + current.get() + " is up already; 'down' first");
        }
        Testbed tb = Testbed.builder().hosts(hosts).keepAfterExit(true).start();
        write(CURRENT, tb.prefix().value());
        out.printf("testbed %s up (kept until 'down')%n", tb.prefix());
        printMembers(tb);
        return 0;
    }

    private int list() {
        Optional<RunPrefix> current = current();
        if (current.isPresent()) {
            Testbed tb = Testbed.attach(STATE, current.get());
            out.printf("kept run %s:%n", tb.prefix());
            printMembers(tb);
        } else {
            out.println("no kept run ('up' makes one)");
        }
        Map<RunPrefix, RunRecord> runs = RunRecord.readAll(STATE);
        out.printf("%nruns recorded in %s: %d%n", STATE, runs.size());
        for (RunRecord r : runs.values()) {
            out.printf(
                    "  %s  %d hosts  clients %s  owner %s%n",
                    r.prefix(),
                    r.hosts(),
                    r.clients(),
                    r.isKept() ? "kept (script)" : "pid " + r.ownerPid() + (r.ownerAlive() ? " (alive)" : " (dead)"));
        }
        return 0;
    }

    private int client(String[] args) {
        if (args.length != 1) {
            throw new IllegalArgumentException("client: expected NAME (1-8 characters, e.g. lb)");
        }
        Host c = keptRun().addClient(args[0]);
        out.printf("client %s added%n", c);
        return 0;
    }

    private int exec(String[] args) {
        if (args.length < 2) {
            throw new IllegalArgumentException("exec: expected HOST CMD...");
        }
        Host h = keptRun().member(args[0]);
        try {
            return new ProcessBuilder(h.commandLine(Arrays.copyOfRange(args, 1, args.length)))
                    .inheritIO()
                    .start()
                    .waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run in " + h.namespace() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    private int cut(String[] args, boolean cut) {
        if (args.length != 1) {
            throw new IllegalArgumentException((cut ? "cut" : "heal") + ": expected HOST");
        }
        Host h = keptRun().member(args[0]);
        if (cut) {
            h.cutOff();
        } else {
            h.heal();
        }
        out.printf("%s %s%n", h, h.isCutOff() ? "is cut off" : "is on the fabric");
        return 0;
    }

    private int down() {
        RunPrefix prefix = current().orElseThrow(() -> new IllegalStateException("no kept run ('up' makes one)"));
        Testbed tb = Testbed.attach(STATE, prefix);
        tb.close();
        try {
            Files.deleteIfExists(CURRENT);
        } catch (IOException e) {
            throw new IllegalStateException("cannot delete " + CURRENT + ": " + e.getMessage(), e);
        }
        Leftovers left = tb.leftovers();
        out.printf(
                "testbed %s down; left: namespaces %s, root links %s, processes %s%n",
                prefix, describe(left.namespaces()), describe(left.rootLinks()), describe(left.pids()));
        return left.isEmpty() ? 0 : 1;
    }

    private int sweep() {
        Sweeper.Plan plan = Sweeper.standard().sweep();
        out.printf("swept %d dead run(s) %s, namespaces %s%n", plan.runs().size(), plan.runs(), plan.namespaces());
        return 0;
    }

    private void printMembers(Testbed tb) {
        out.printf("%-6s %-11s %-16s %s%n", "member", "namespace", "underlay", "state");
        List<Host> all = new java.util.ArrayList<>(tb.hosts());
        all.addAll(tb.clients());
        for (Host h : all) {
            boolean exists = Namespaces.list().contains(h.namespace());
            String state = !exists
                    ? "namespace missing"
                    : h.isCutOff() ? "cut off" : "up, eth0 on " + tb.prefix().bridge();
            out.printf(
                    "%-6s %-11s %-16s %s%n",
                    h.name(), h.namespace(), h.address().getHostAddress() + "/16", state);
        }
    }

    private static void awaitListening(Host h, int port) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!h.listeningTcpPorts().contains(port)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("echo server in " + h.name() + " does not listen on " + port);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(
                    Duration.ofMillis(20).toNanos());
        }
    }

    private static Testbed keptRun() {
        return Testbed.attach(
                STATE, current().orElseThrow(() -> new IllegalStateException("no kept run ('up' makes one)")));
    }

    private static Optional<RunPrefix> current() {
        try {
            return Files.exists(CURRENT)
                    ? Optional.of(RunPrefix.of(
                            Files.readString(CURRENT, StandardCharsets.UTF_8).strip()))
                    : Optional.empty();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + CURRENT + ": " + e.getMessage(), e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static int hostCount(String[] args) {
        if (args.length == 0) {
            return 3;
        }
        try {
            return Integer.parseInt(args[0]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("N: expected a number of hosts 1..254, got '" + args[0] + "'");
        }
    }

    private static String describe(List<?> items) {
        return items.isEmpty() ? "none" : items.toString();
    }

    private static String usage() {
        return "usage: testbed.sh demo [N] | up [N] | list | client NAME | exec HOST CMD... | cut HOST | heal HOST"
                + " | down | sweep";
    }
}
