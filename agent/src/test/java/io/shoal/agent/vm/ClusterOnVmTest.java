package io.shoal.agent.vm;

import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.testbed.ExecResult;
import io.shoal.testbed.Requirements;
import io.shoal.testbed.Scripts;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Shoal across three real Linux kernels with IPVS: {@code testbed/vm/cluster.sh up 3} boots three
 * user-mode-Linux guests of the VM testbed, starts the manager with its embedded ZooKeeper in
 * guest 1 and {@code shoald --executor process} in every guest (each guest's own JRE runs this
 * module's test class path, copied into the guests' share), and waits until the three nodes are
 * READY; {@code cluster.sh demo} publishes {@code web} (3 busybox httpd processes, 8080 → 80) and
 * a {@code client} task and checks the result. Then this test checks from the fabric namespace
 * itself that port 8080 answers on every guest's address, and {@code down.sh} removes it all.
 *
 * <p>Passes only when every check of the demo ran and none failed: every guest's published port,
 * the mesh's spread over the 3 replicas, {@code web} and {@code tasks.web} resolved by the embedded
 * DNS inside the client task, the VIP answering from the client task, the VIP being an IPVS
 * virtual service over the 3 task addresses, and every agent having chosen IPVS. One check may be
 * "known" instead of "ok": the VIP answering one client from a single replica (IPVS all-ports
 * persistence, see testbed/vm/README.md).
 */
@Tag("integration")
class ClusterOnVmTest {
    private static final Path VM_SCRIPTS =
            Path.of("").toAbsolutePath().getParent().resolve("testbed/vm");
    /** Includes a cold image build (debootstrap) the first time a recipe is seen on a machine. */
    private static final long UP_SECONDS = 15 * 60;

    private static final long DEMO_SECONDS = 6 * 60;
    private static final List<String> CHECKS = List.of(
            "published-vm1",
            "published-vm2",
            "published-vm3",
            "mesh-spread",
            "dns-web",
            "dns-tasks",
            "vip",
            "ipvs",
            "balancer");
    private static final Pattern CHECK = Pattern.compile("^CHECK (ok|known|FAILED) ([a-z0-9-]+): (.*)$");
    private static final Pattern TIME = Pattern.compile("^TIME ([a-z]+)=([0-9.]+)$");
    /** An answer of the demo's httpd: the guest and the pid of the replica. */
    private static final Pattern BODY = Pattern.compile("vm[1-3]/[0-9]+");

    @Test
    void threeGuestsFormAClusterAndServeAPublishedServiceThroughIpvs() throws Exception {
        Requirements.requireRoot();
        Requirements.require(Files.exists(Path.of("/dev/net/tun")), "/dev/net/tun for the guests' taps");
        Requirements.require(Files.isExecutable(VM_SCRIPTS.resolve("cluster.sh")), "the VM testbed at " + VM_SCRIPTS);

        String run = "sv"
                + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
        Map<String, String> env = Map.of("SHOAL_VM_RUN", run, "SHOAL_VM_CLASSPATH", testClasspath());
        ExecResult down = null;
        try {
            long t0 = System.nanoTime();
            ExecResult up =
                    run(UP_SECONDS, env, VM_SCRIPTS.resolve("cluster.sh").toString(), "up", "3");
            long formed = System.nanoTime();
            assertThat(up.exitCode()).as(up.describe()).isZero();
            assertThat(up.stdout().strip()).as(up.describe()).endsWith(run);

            ExecResult demo =
                    run(DEMO_SECONDS, Map.of(), VM_SCRIPTS.resolve("cluster.sh").toString(), "demo", run);
            long demoed = System.nanoTime();
            Map<String, String> times = new LinkedHashMap<>();
            times.putAll(times(up.stderr()));
            times.putAll(times(demo.stderr()));
            System.out.printf(
                    "Shoal on 3 UML guests: cluster.sh up %d s, demo %d s; %s%n%s%n",
                    TimeUnit.NANOSECONDS.toSeconds(formed - t0),
                    TimeUnit.NANOSECONDS.toSeconds(demoed - formed),
                    times,
                    demo.stdout());

            Map<String, String> status = new LinkedHashMap<>();
            Map<String, String> detail = new LinkedHashMap<>();
            for (String line : demo.stdout().lines().toList()) {
                Matcher m = CHECK.matcher(line);
                if (m.matches()) {
                    status.put(m.group(2), m.group(1));
                    detail.put(m.group(2), m.group(3));
                }
            }
            String why = demo.describe() + "\n--- logs\n" + logTails(run);
            assertThat(status.keySet()).as(why).containsExactlyInAnyOrderElementsOf(CHECKS);
            status.forEach((name, s) -> {
                if (name.equals("vip")) {
                    assertThat(s)
                            .as(name + ": " + detail.get(name) + "\n" + why)
                            .isIn("ok", "known");
                } else {
                    assertThat(s)
                            .as(name + ": " + detail.get(name) + "\n" + why)
                            .isEqualTo("ok");
                }
            });
            assertThat(demo.exitCode()).as(why).isZero();
            assertThat(detail.get("balancer")).as(why).contains("3 service balancing uses IPVS");

            // Independently of the script: every guest's published port answers this test from the
            // fabric namespace with a replica's name.
            for (int i = 1; i <= 3; i++) {
                ExecResult curl = run(
                        30,
                        Map.of(),
                        "ip",
                        "netns",
                        "exec",
                        run + "f",
                        "curl",
                        "-sS",
                        "--connect-timeout",
                        "3",
                        "--max-time",
                        "5",
                        "http://198.18.0." + i + ":8080/");
                assertThat(curl.exitCode()).as(curl.describe()).isZero();
                assertThat(curl.stdout().strip()).as(curl.describe()).matches(BODY);
            }
        } finally {
            down = run(120, Map.of(), VM_SCRIPTS.resolve("down.sh").toString(), run);
        }
        assertThat(down.exitCode()).as(down.describe()).isZero();
        assertThat(Path.of("/run/netns", run + "f")).doesNotExist();
        assertThat(Path.of("/run/shoal-vm", run)).doesNotExist();
    }

    /** This JVM's test class path without surefire's own jars: what the guests run. */
    private static String testClasspath() {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.exists(p) && !p.getFileName().toString().startsWith("surefire")) {
                entries.add(p.toAbsolutePath().toString());
            }
        }
        assertThat(entries).as("test class path").isNotEmpty();
        return String.join(":", entries);
    }

    private static Map<String, String> times(String stderr) {
        Map<String, String> times = new LinkedHashMap<>();
        stderr.lines().map(TIME::matcher).filter(Matcher::matches).forEach(m -> times.put(m.group(1), m.group(2)));
        return times;
    }

    /** The last lines of every daemon's log in the run's share (gone after down.sh). */
    private static String logTails(String run) {
        Path logs = Path.of("/run/shoal-vm", run, "share", "logs");
        if (!Files.isDirectory(logs)) {
            return "(no " + logs + ")";
        }
        StringBuilder out = new StringBuilder();
        try (Stream<Path> files = Files.list(logs)) {
            for (Path f : files.sorted().toList()) {
                List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                out.append("--- ").append(f).append('\n');
                lines.subList(Math.max(0, lines.size() - 40), lines.size())
                        .forEach(l -> out.append(l).append('\n'));
            }
        } catch (IOException e) {
            out.append("(cannot read ").append(logs).append(": ").append(e).append(")");
        }
        return out.toString();
    }

    private static ExecResult run(long seconds, Map<String, String> env, String... command) {
        return Scripts.run(Duration.ofSeconds(seconds), env, command);
    }
}
