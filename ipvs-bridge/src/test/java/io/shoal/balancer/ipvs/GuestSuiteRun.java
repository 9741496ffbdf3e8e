package io.shoal.balancer.ipvs;

import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.testbed.ExecResult;
import io.shoal.testbed.Requirements;
import io.shoal.testbed.Scripts;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs test classes of this module inside one guest of the VM testbed ({@code testbed/vm/up.sh 1})
 * with the guest's own JRE and {@link GuestSuiteLauncher}: copies this JVM's test classpath into the
 * guest's shared folder, boots the guest with the given engine ({@code uml}: Debian's
 * user-mode-linux 6.1; {@code tcg}: Debian's own 6.1 kernel under {@code qemu -accel tcg}), loads
 * the modules, runs the classes with {@code CI=true}, and always runs {@code down.sh}. Shared by
 * {@link IpvsBalancerBehaviourOnVmTest} and {@link IpvsFwmarkOnQemuTest}.
 */
final class GuestSuiteRun {
    static final Path VM_SCRIPTS = Path.of("").toAbsolutePath().getParent().resolve("testbed/vm");
    /** Includes a cold image build (debootstrap) the first time a recipe is seen on a machine. */
    private static final long UP_MINUTES = 15;

    private GuestSuiteRun() {}

    /** What the guest reported. */
    record Outcome(List<String> report, String log, ExecResult suite, long bootSeconds, long suiteSeconds) {
        /** Test method name → JUnit status, for every test the guest ran. */
        Map<String, String> tests() {
            Map<String, String> outcome = new TreeMap<>();
            report.stream()
                    .filter(l -> l.startsWith("test "))
                    .map(l -> l.split(" "))
                    .forEach(f -> outcome.put(f[2], f[1]));
            return outcome;
        }

        /** Everything needed to understand a failure. */
        String why() {
            return suite.describe() + "\n--- report\n" + String.join("\n", report) + "\n--- suite.log (tail)\n"
                    + tail(log, 150);
        }
    }

    /**
     * Boots one guest, runs {@code testClasses} there and tears the guest down (asserting that
     * nothing of the run is left).
     *
     * @param modules modules to load first ({@code modprobe -a})
     * @param systemProperties {@code -D} options for the guest's JVM
     */
    static Outcome run(
            String engine, String modules, String systemProperties, long suiteSeconds, Class<?>... testClasses)
            throws IOException {
        Requirements.requireRoot();
        Requirements.require(Files.exists(Path.of("/dev/net/tun")), "/dev/net/tun for the guests' taps");
        Requirements.require(Files.isExecutable(VM_SCRIPTS.resolve("up.sh")), "the VM testbed at " + VM_SCRIPTS);

        String run = "sv"
                + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
        Path share = Files.createTempDirectory("shoal-ipvs-vm");
        try {
            String classpath = shareTestClasspath(share);
            long t0 = System.nanoTime();
            ExecResult up = run(
                    UP_MINUTES * 60,
                    Map.of(
                            "SHOAL_VM_RUN",
                            run,
                            "SHOAL_VM_SHARE",
                            share.toString(),
                            "SHOAL_VM_ENGINE",
                            engine,
                            "SHOAL_VM_MEM",
                            "1G"),
                    VM_SCRIPTS.resolve("up.sh").toString(),
                    "1");
            assertThat(up.exitCode()).as(up.describe()).isZero();
            long booted = System.nanoTime();

            List<String> classes = new ArrayList<>();
            for (Class<?> c : testClasses) {
                classes.add(c.getName());
            }
            // CI=true: a missing requirement fails, never skips.
            String script = String.join(
                    "\n",
                    "modprobe -a " + modules,
                    "cd /tmp",
                    "CI=true exec java -XX:TieredStopAtLevel=1 -Xss1m " + systemProperties
                            + " -Dlogback.configurationFile=/shoal/logback-guest.xml -cp " + classpath + " "
                            + GuestSuiteLauncher.class.getName() + " /shoal/report.txt " + String.join(" ", classes)
                            + " >/shoal/suite.log 2>&1");
            ExecResult suite = run(
                    suiteSeconds + 30,
                    Map.of(),
                    VM_SCRIPTS.resolve("exec.sh").toString(),
                    "-r",
                    run,
                    "-t",
                    String.valueOf(suiteSeconds),
                    "1",
                    script);
            long ran = System.nanoTime();
            String log = readIfExists(share.resolve("suite.log"));
            List<String> report = Files.exists(share.resolve("report.txt"))
                    ? Files.readAllLines(share.resolve("report.txt"))
                    : List.of();
            long bootSeconds = TimeUnit.NANOSECONDS.toSeconds(booted - t0);
            long suiteSecondsTaken = TimeUnit.NANOSECONDS.toSeconds(ran - booted);
            System.out.printf(
                    "%s in a %s guest: boot %d s, suite %d s%n%s%n",
                    classes, engine, bootSeconds, suiteSecondsTaken, String.join("\n", report));
            return new Outcome(report, log, suite, bootSeconds, suiteSecondsTaken);
        } finally {
            ExecResult down = run(120, Map.of(), VM_SCRIPTS.resolve("down.sh").toString(), run);
            deleteTree(share);
            assertThat(down.exitCode()).as(down.describe()).isZero();
            assertThat(Path.of("/run/netns", run + "f")).doesNotExist();
        }
    }

    /**
     * Copies every entry of this JVM's test classpath (module classes, test classes, dependency
     * jars) into {@code share}, and returns the same classpath as the guest sees it under
     * {@code /shoal}. The guest's JRE runs exactly what Maven built and resolved.
     */
    private static String shareTestClasspath(Path share) throws IOException {
        List<String> guestEntries = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path source = Path.of(entry);
            String fileName = source.getFileName().toString();
            if (!Files.exists(source) || fileName.startsWith("surefire")) {
                continue;
            }
            String name = String.format("cp/%02d-%s", n++, fileName);
            copyTree(source, share.resolve(name));
            guestEntries.add("/shoal/" + name);
        }
        // The suite's own logging, less chatty than logback's default DEBUG.
        Files.writeString(
                share.resolve("logback-guest.xml"),
                """
                <configuration>
                  <appender name="out" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{20} %msg%n</pattern></encoder>
                  </appender>
                  <root level="INFO"><appender-ref ref="out"/></root>
                </configuration>
                """,
                StandardCharsets.UTF_8);
        assertThat(guestEntries).as("test classpath entries").isNotEmpty();
        return String.join(":", guestEntries);
    }

    private static void copyTree(Path source, Path target) throws IOException {
        if (Files.isRegularFile(source)) {
            Files.createDirectories(target.getParent());
            Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
            return;
        }
        try (Stream<Path> files = Files.walk(source)) {
            for (Path p : files.toList()) {
                Path to = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readIfExists(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "(no " + file + ")";
    }

    private static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static ExecResult run(long seconds, Map<String, String> env, String... command) {
        return Scripts.run(Duration.ofSeconds(seconds), env, command);
    }
}
