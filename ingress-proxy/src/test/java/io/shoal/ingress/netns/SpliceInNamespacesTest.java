package io.shoal.ingress.netns;

import static io.shoal.ingress.netns.Netns.in;
import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.ingress.transport.Transport;
import io.shoal.testbed.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Bulk through the mesh process (its default transport) between namespaces on a bridge in a fabric
 * namespace ({@code 198.18.2.0/24}): 32 MiB up (the backend's {@code sha256sum} of what it got
 * comes back after the client's FIN) and 32 MiB down ({@code cat} of a file, the backend's FIN
 * ends it), both checked against the file's SHA-256; then the mesh's metrics: on io_uring the
 * bytes went through splice pipes ({@code shoal_ingress_spliced_bytes_total}), elsewhere none did.
 */
@Tag("integration")
class SpliceInNamespacesTest {
    private static final String NODE = "198.18.2.1";
    private static final String CLIENT = "198.18.2.100";
    private static final String BACKEND = "198.18.2.11";
    private static final int SIZE = 32 << 20;

    @Test
    void thirtyTwoMebibytesEachWayArriveIntactAndAreSplicedOnIoUring() throws Exception {
        Requirements.requireRoot();
        Requirements.require(Files.isExecutable(Path.of("/usr/sbin/ip")), "iproute2 (ip)");
        Requirements.require(Files.isExecutable(Path.of("/usr/bin/socat")), "socat (apt-get install socat)");
        Requirements.require(Files.isExecutable(Path.of("/usr/bin/sha256sum")), "sha256sum (coreutils)");
        try (FabricLab lab = new FabricLab("sp")) {
            Path dir = lab.dir();
            Path file = dir.resolve("payload");
            byte[] payload = new byte[SIZE];
            new Random(42).nextBytes(payload);
            Files.write(file, payload);
            String sha = HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(payload));

            String node = lab.host("n", NODE);
            String client = lab.host("c", CLIENT);
            String backend = lab.host("b", BACKEND);
            lab.start(in(
                    backend,
                    "socat",
                    "-t",
                    "10",
                    "TCP-LISTEN:9000,bind=" + BACKEND + ",fork,reuseaddr",
                    "SYSTEM:sha256sum"));
            lab.start(in(
                    backend,
                    "socat",
                    "-t",
                    "10",
                    "TCP-LISTEN:9001,bind=" + BACKEND + ",fork,reuseaddr",
                    "SYSTEM:cat " + file));

            Process mesh = lab.start(in(
                    node,
                    ProcessHandle.current().info().command().orElse("java"),
                    "-Xmx256m",
                    "-cp",
                    System.getProperty("java.class.path"),
                    MeshNode.class.getName(),
                    NODE,
                    "2",
                    BACKEND,
                    "tcp:9000:9000:none",
                    "tcp:9001:9001:none"));
            BlockingQueue<String> out = FabricLab.lines(mesh);
            FabricLab.until(out, "READY");

            // Up: the client half-closes first; the digest comes back after its FIN.
            String up = Netns.run(in(client, "sh", "-c", "socat -t 10 -T 30 - TCP:" + NODE + ":9000 < " + file));
            assertThat(up.trim()).as("sha256sum of the upload at the backend").startsWith(sha);
            // Down: the backend's FIN ends the stream.
            String down = Netns.run(in(client, "sh", "-c", "socat -u -T 30 TCP:" + NODE + ":9001 - | sha256sum"));
            assertThat(down.trim())
                    .as("sha256sum of the download at the client")
                    .startsWith(sha);

            FabricLab.command(mesh, "metrics");
            String metrics = FabricLab.until(out, "END");
            long up9000 = sample(metrics, "shoal_ingress_in_bytes_total", 9000);
            long down9001 = sample(metrics, "shoal_ingress_out_bytes_total", 9001);
            assertThat(up9000).isEqualTo(SIZE);
            assertThat(down9001).isEqualTo(SIZE);
            long spliced = sample(metrics, "shoal_ingress_spliced_bytes_total", 9000)
                    + sample(metrics, "shoal_ingress_spliced_bytes_total", 9001);
            if (Transport.best() == Transport.IO_URING) {
                assertThat(spliced).as("bytes spliced on io_uring, both ports").isGreaterThan(SIZE);
            } else {
                assertThat(spliced).as("no splice on " + Transport.best()).isZero();
            }
            FabricLab.command(mesh, "quit");
            assertThat(mesh.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static long sample(String metrics, String name, int port) {
        Matcher m = Pattern.compile(Pattern.quote(name) + "\\{port=\"" + port + "\",protocol=\"tcp\"} (\\d+)")
                .matcher(metrics);
        if (!m.find()) {
            throw new AssertionError(name + " for port " + port + " not in:\n" + metrics);
        }
        return Long.parseLong(m.group(1));
    }
}
