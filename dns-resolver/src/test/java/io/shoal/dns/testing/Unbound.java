package io.shoal.dns.testing;

import static org.awaitility.Awaitility.await;

import io.shoal.testbed.Requirements;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real, independent upstream resolver for forwarding tests: unbound on a loopback address and
 * port of the test's choice, serving only a static test zone. {@code local-zone: "." static} makes
 * it answer NXDOMAIN for everything else, so it never recurses off the machine.
 */
public final class Unbound implements AutoCloseable {
    private static final Path UNBOUND = Path.of("/usr/sbin/unbound");

    private final Process process;
    private final Path dir;
    private final InetSocketAddress address;

    private Unbound(Process process, Path dir, InetSocketAddress address) {
        this.process = process;
        this.dir = dir;
        this.address = address;
    }

    /** Starts unbound on {@code address} serving {@code localData} (unbound local-data lines). */
    public static Unbound start(InetSocketAddress address, String zone, List<String> localData) throws IOException {
        return start(null, address, zone, localData);
    }

    /**
     * Starts unbound inside the named network namespace {@code netns} (null: this one), listening on
     * {@code address} there; readiness is checked by dig run in the same namespace.
     */
    public static Unbound start(String netns, InetSocketAddress address, String zone, List<String> localData)
            throws IOException {
        Requirements.require(Files.isExecutable(UNBOUND), "unbound (apt-get install unbound)");
        Path dir = Files.createTempDirectory("shoal-dns-unbound-");
        StringBuilder conf = new StringBuilder();
        conf.append("server:\n")
                .append("  interface: ")
                .append(address.getAddress().getHostAddress())
                .append('\n')
                .append("  port: ")
                .append(address.getPort())
                .append('\n')
                .append("  do-daemonize: no\n  username: \"\"\n  chroot: \"\"\n")
                .append("  directory: \"")
                .append(dir)
                .append("\"\n")
                .append("  pidfile: \"\"\n  use-syslog: no\n  logfile: \"\"\n  verbosity: 0\n")
                .append("  do-ip6: no\n  num-threads: 1\n")
                .append("  access-control: 127.0.0.0/8 allow\n")
                .append("  access-control: 198.18.0.0/16 allow\n")
                .append("  module-config: \"iterator\"\n")
                .append("  local-zone: \".\" static\n")
                .append("  local-zone: \"")
                .append(zone)
                .append(".\" static\n");
        for (String line : localData) {
            conf.append("  local-data: \"").append(line).append("\"\n");
        }
        conf.append("remote-control:\n  control-enable: no\n");
        Path file = dir.resolve("unbound.conf");
        Files.writeString(file, conf);
        List<String> cmd = new java.util.ArrayList<>();
        if (netns != null) {
            // nsenter execs unbound: the process we hold (and kill) is unbound itself.
            cmd.addAll(List.of("nsenter", "--net=/run/netns/" + netns));
        }
        cmd.addAll(List.of(UNBOUND.toString(), "-d", "-c", file.toString()));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("unbound.log").toFile())
                .start();
        Unbound u = new Unbound(p, dir, address);
        try {
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        if (!p.isAlive()) {
                            throw new AssertionError("unbound exited: " + Files.readString(dir.resolve("unbound.log")));
                        }
                        Dig.Result soa = netns == null
                                ? Dig.ask(address, zone, "SOA")
                                : Dig.askInNetns(netns, address, zone, "SOA");
                        return soa.status().equals("NOERROR");
                    });
        } catch (RuntimeException | AssertionError e) {
            u.close();
            throw e;
        }
        return u;
    }

    public InetSocketAddress address() {
        return address;
    }

    /** Stops unbound and removes its directory. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a temp directory
        }
    }
}
