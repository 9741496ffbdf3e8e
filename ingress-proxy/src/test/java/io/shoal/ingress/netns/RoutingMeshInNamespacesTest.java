package io.shoal.ingress.netns;

import static io.shoal.ingress.netns.Netns.in;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.testbed.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
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

    @Test
    void clientNamespaceReachesBackendsOnOtherHostsThroughKilledAndRemovedBackendsWithoutFailures() throws Exception {
        Requirements.requireRoot();
        Requirements.require(Files.isExecutable(Path.of("/usr/sbin/ip")), "iproute2 (ip)");
        Requirements.require(Files.isExecutable(Path.of("/usr/bin/busybox")), "busybox (apt-get install busybox)");
        Requirements.require(Files.isExecutable(Path.of("/usr/bin/curl")), "curl");
        Requirements.require(Files.isExecutable(Path.of("/usr/bin/socat")), "socat (apt-get install socat)");
        try (FabricLab lab = new FabricLab("ig")) {
            Path docroots = lab.dir();
            String node = lab.host("n", NODE);
            String client = lab.host("c", CLIENT);
            List<Process> httpd = new ArrayList<>();
            List<String> backendNs = new ArrayList<>();
            for (int i = 0; i < BACKENDS.length; i++) {
                String ns = lab.host("b" + i, BACKENDS[i]);
                backendNs.add(ns);
                Path root = Files.createDirectories(docroots.resolve("b" + i));
                Files.writeString(root.resolve("index.html"), "backend " + i + "\n");
                httpd.add(lab.start(in(ns, "busybox", "httpd", "-f", "-p", "80", "-h", root.toString())));
            }
            for (String b : BACKENDS) {
                await().atMost(Duration.ofSeconds(10)).until(() -> curl(client, "http://" + b + "/") != null);
            }

            Process mesh = lab.start(in(
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
            BlockingQueue<String> out = FabricLab.lines(mesh);
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
                lab.start(in(
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
            FabricLab.command(mesh, "metrics");
            String metrics = FabricLab.until(out, "END");
            assertThat(metrics)
                    .containsPattern(
                            "shoal_ingress_backend_connect_failures_total\\{port=\"8080\",protocol=\"tcp\"} [1-9]");

            // Backend 0 is removed gracefully in the middle of a request loop: no request fails.
            List<String> answers = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                if (i == 10) {
                    FabricLab.command(mesh, "backends " + BACKENDS[2]);
                    expect(out, "UPDATED");
                }
                String answer = curl(client, url);
                assertThat(answer).as("request %d of the loop", i).isNotNull();
                answers.add(answer);
            }
            assertThat(answers.subList(11, 30)).containsOnly("backend 2");
            FabricLab.command(mesh, "quit");
            assertThat(mesh.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
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

    private static void expect(BlockingQueue<String> out, String marker) throws Exception {
        FabricLab.until(out, marker);
    }
}
