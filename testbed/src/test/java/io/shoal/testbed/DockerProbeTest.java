package io.shoal.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerProbeTest {
    @TempDir
    Path dir;

    @Test
    void missingSocketMeansNoDocker() {
        assertThat(Requirements.dockerAnswers(dir.resolve("absent.sock"))).isFalse();
    }

    @Test
    void silentSocketMeansNoDockerWithinTheDeadline() throws Exception {
        Path socket = dir.resolve("silent.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            // Bound and listening, so connect succeeds, but nobody ever answers.
            server.bind(UnixDomainSocketAddress.of(socket));
            long start = System.nanoTime();

            assertThat(Requirements.dockerAnswers(socket)).isFalse();

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    @Tag("integration")
    void runningEngineAnswersThePing() throws Exception {
        Process p = new ProcessBuilder("docker", "version", "--format", "{{.Server.Version}}")
                .redirectErrorStream(true)
                .start();
        p.getInputStream().readAllBytes();
        Requirements.require(p.waitFor() == 0, "a Docker engine (run testbed/provision.sh)");

        assertThat(Requirements.dockerAnswers()).isTrue();
    }
}
