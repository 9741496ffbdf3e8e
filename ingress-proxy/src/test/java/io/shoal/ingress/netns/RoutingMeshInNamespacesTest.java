package io.shoal.ingress.netns;

import static io.shoal.ingress.netns.Netns.in;
import static io.shoal.ingress.netns.Netns.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.testbed.Requirements;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The mesh as its own process in a node namespace, three {@code busybox httpd} backends in their
 * own namespaces, and {@code curl} from a client namespace, all on a bridge in a fabric namespace
 * ({@code 198.18.0.0/24}; nothing touches the root namespace).
 */
@Tag("integration")
class RoutingMeshInNamespacesTest {
    private static final String NODE = "198.18.0.1";
    private static final String CLIENT = "198.18.0.100";
    private static final String[] BACKENDS = {"198.18.0.11", "198.18.0.12", "198.18.0.13"};

    private final String prefix =
            "ig" + Integer.toHexString(0x1000 + ThreadLocalRandom.current().nextInt(0xEFFF));
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    @Test
    void clientNamespaceReachesBackendsOnOtherHostsThroughKilledAndRemovedBackendsWithoutFailures() throws Exception {
        Requirements.requireRoot();
        Requirements.require(Files.isExecutable(Path.of("/usr/sbin/ip")), "iproute2 (ip)");
        Requirements.require(Files.isExecutable(Path.of("/usr/bin/busybox")), "busybox (apt-get install busybox)");
        Requirements.require(Files.isExecutable(Path.of("/usr/bin/curl")), "curl");
        Requirements.require(Files.isExecutable(Path.of("/usr/bin/socat")), "socat (apt-get install socat)");
        Path docroots = Files.createTempDirectory(prefix);
        try {
            String fabric = namespace("f");
            run("ip", "-n", fabric, "link", "add", "br0", "type", "bridge");
            run("ip", "-n", fabric, "link", "set", "br0", "up");
            String node = host("n", NODE);
            String client = host("c", CLIENT);
            List<Process> httpd = new ArrayList<>();
            List<String> backendNs = new ArrayList<>();
            for (int i = 0; i < BACKENDS.length; i++) {
                String ns = host("b" + i, BACKENDS[i]);
                backendNs.add(ns);
                Path root = Files.createDirectories(docroots.resolve("b" + i));
                Files.writeString(root.resolve("index.html"), "backend " + i + "\n");
                httpd.add(start(in(ns, "busybox", "httpd", "-f", "-p", "80", "-h", root.toString())));
            }
            for (String b : BACKENDS) {
                await().atMost(Duration.ofSeconds(10)).until(() -> curl(client, "http://" + b + "/") != null);
            }

            Process mesh = start(in(
                    node,
                    ProcessHandle.current().info().command().orElse("java"),
                    "-Xmx256m",
                    "-cp",
                    System.getProperty("java.class.path"),
                    StandaloneMesh.class.getName(),
                    NODE,
                    "8080",
                    "80",
                    String.join(",", BACKENDS),
                    "5353",
                    "5353"));
            BlockingQueue<String> out = lines(mesh);
            expect(out, "READY");
            String url = "http://" + NODE + ":8080/";

            Map<String, Integer> spread = new HashMap<>();
            for (int i = 0; i < 9; i++) {
                spread.merge(curl(client, url), 1, Integer::sum);
            }
            assertThat(spread).containsOnlyKeys("backend 0", "backend 1", "backend 2");
            assertThat(spread.values()).containsOnly(3);

            // UDP through the mesh: each client (its own source port, so its own flow) gets the
            // reply to its own datagram, and flows spread over the backends.
            for (int i = 0; i < BACKENDS.length; i++) {
                start(in(
                        backendNs.get(i),
                        "socat",
                        "UDP4-RECVFROM:5353,bind=" + BACKENDS[i] + ",fork",
                        "SYSTEM:read l; echo backend-" + i + " $l"));
            }
            java.util.Set<String> udpBackends = new java.util.HashSet<>();
            for (int k = 0; k < 6; k++) {
                String payload = "datagram" + k;
                String reply = await().atMost(Duration.ofSeconds(10))
                        .until(() -> udp(client, NODE, 5353, payload), r -> r != null && !r.isEmpty());
                assertThat(reply).endsWith(" " + payload);
                udpBackends.add(reply.substring(0, reply.indexOf(' ')));
            }
            assertThat(udpBackends).containsExactlyInAnyOrder("backend-0", "backend-1", "backend-2");

            // Backend 1 dies without the table knowing: its connects are refused and retried elsewhere.
            httpd.get(1).destroy();
            httpd.get(1).waitFor(5, TimeUnit.SECONDS);
            for (int i = 0; i < 12; i++) {
                assertThat(curl(client, url)).as("request %d after the kill", i).isIn("backend 0", "backend 2");
            }
            command(mesh, "metrics");
            String metrics = until(out, "END");
            assertThat(metrics)
                    .containsPattern(
                            "shoal_ingress_backend_connect_failures_total\\{port=\"8080\",protocol=\"tcp\"} [1-9]");

            // Backend 0 is removed gracefully in the middle of a request loop: no request fails.
            List<String> answers = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                if (i == 10) {
                    command(mesh, "backends " + BACKENDS[2]);
                    expect(out, "UPDATED");
                }
                String answer = curl(client, url);
                assertThat(answer).as("request %d of the loop", i).isNotNull();
                answers.add(answer);
            }
            assertThat(answers.subList(11, 30)).containsOnly("backend 2");
            command(mesh, "quit");
            assertThat(mesh.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            processes.forEach(Process::destroyForcibly);
            for (String ns : namespaces) {
                Netns.killAll(ns);
            }
            for (String ns : namespaces) {
                Netns.tryRun("ip", "netns", "del", ns);
            }
            try (var files = Files.walk(docroots)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    private String namespace(String suffix) {
        String ns = prefix + suffix;
        run("ip", "netns", "add", ns);
        namespaces.add(ns);
        run("ip", "-n", ns, "link", "set", "lo", "up");
        return ns;
    }

    /** A namespace on the fabric bridge with {@code address}/24 on its eth0. */
    private String host(String suffix, String address) {
        String ns = namespace(suffix);
        String fabric = prefix + "f";
        String port = prefix + suffix; // at most 9 characters: fits a link name
        run("ip", "-n", fabric, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns);
        run("ip", "-n", fabric, "link", "set", port, "master", "br0", "up");
        run("ip", "-n", ns, "addr", "add", address + "/24", "dev", "eth0");
        run("ip", "-n", ns, "link", "set", "eth0", "up");
        return ns;
    }

    private Process start(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        processes.add(p);
        return p;
    }

    /** The body curl got, or null when the request failed. */
    private static String curl(String ns, String url) {
        Netns.Result r = Netns.tryRun(in(ns, "curl", "-sS", "--max-time", "3", url));
        return r.exit() == 0 ? r.output() : null;
    }

    /** One datagram from a fresh socket in {@code ns}; the reply, or null when none came. */
    private static String udp(String ns, String host, int port, String payload) {
        Netns.Result r =
                Netns.tryRun(in(ns, "sh", "-c", "echo " + payload + " | socat -T2 - UDP4:" + host + ":" + port));
        return r.exit() == 0 ? r.output() : null;
    }

    private static BlockingQueue<String> lines(Process p) {
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread t = new Thread(
                () -> {
                    try (BufferedReader r =
                            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = r.readLine()) != null) {
                            q.add(line);
                        }
                    } catch (Exception e) {
                        // process ended
                    }
                },
                "mesh-stdout");
        t.setDaemon(true);
        t.start();
        return q;
    }

    private static void command(Process p, String line) throws Exception {
        OutputStream o = p.getOutputStream();
        o.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        o.flush();
    }

    private static void expect(BlockingQueue<String> out, String marker) throws Exception {
        until(out, marker);
    }

    /** Everything the process printed up to {@code marker} (30 s at most). */
    private static String until(BlockingQueue<String> out, String marker) throws Exception {
        StringBuilder seen = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            String line = out.poll(1, TimeUnit.SECONDS);
            if (line == null) {
                continue;
            }
            if (line.equals(marker)) {
                return seen.toString();
            }
            seen.append(line).append('\n');
        }
        throw new AssertionError("the mesh process did not print " + marker + "; it printed:\n" + seen);
    }
}
