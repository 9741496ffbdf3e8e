package io.shoal.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line of {@code shoald}, without starting anything. */
class ShoaldTest {
    private static String[] run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Shoald());
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new String[] {Integer.toString(code), err.toString()};
    }

    @Test
    void nodeIdAndZooKeeperAreRequired() {
        String[] r = run("--executor", "docker");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[1])
                .contains("Missing required options")
                .contains("--node-id")
                .contains("--zookeeper");
    }

    @Test
    void anUnknownExecutorIsRefusedListingTheChoices() {
        String[] r = run("--node-id", "n1", "--zookeeper", "127.0.0.1:1", "--executor", "vm");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[1]).contains("--executor").contains("docker, process");
    }

    @Test
    void aJoinTokenIsRefusedRatherThanAcceptedUnchecked() {
        String[] r = run("--node-id", "n1", "--zookeeper", "127.0.0.1:1", "--join-token", "SWMTKN-1-abc");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[1]).contains("--join-token: this shoald cannot verify join tokens yet");
    }

    @Test
    void durationsParseAndBadOnesNameTheOption() {
        assertThat(Shoald.parseSeconds("--session-timeout", "10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Shoald.parseSeconds("--session-timeout", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Shoald.parseSeconds("--session-timeout", "7")).isEqualTo(Duration.ofSeconds(7));
        assertThatThrownBy(() -> Shoald.parseSeconds("--session-timeout", "soon"))
                .hasMessage("--session-timeout: 'soon' must be a duration like 10s or 500ms");
    }

    @Test
    void hostResourcesAreReadFromThisMachine() throws Exception {
        assertThat(Shoald.hostResources().nanoCpus()).isGreaterThanOrEqualTo(1_000_000_000L);
        assertThat(Shoald.hostResources().memoryBytes()).isGreaterThan(64L * 1024 * 1024);
    }
}
