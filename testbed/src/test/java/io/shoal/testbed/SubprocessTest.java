package io.shoal.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubprocessTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void stdoutStderrAndStatusAreCapturedSeparately() {
        ExecResult r = Subprocess.run(List.of("sh", "-c", "echo out; echo err >&2; exit 3"), new byte[0], TIMEOUT);

        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
        assertThat(r.ok()).isFalse();
    }

    @Test
    void inputReachesTheCommandFollowedByEndOfFile() {
        ExecResult r = Subprocess.run(List.of("cat"), "line 1\nline 2".getBytes(StandardCharsets.UTF_8), TIMEOUT);

        assertThat(r.requireOk().stdout()).isEqualTo("line 1\nline 2");
    }

    @Test
    void failedCommandNamesItselfItsStatusAndItsError() {
        ExecResult r = Subprocess.run(List.of("sh", "-c", "echo broken >&2; exit 7"), new byte[0], TIMEOUT);

        assertThatThrownBy(r::requireOk)
                .isInstanceOf(TestbedException.class)
                .hasMessage("command failed with status 7: sh -c echo broken >&2; exit 7 -- broken");
    }

    @Test
    void commandThatOverrunsItsTimeoutIsKilledAndReported() {
        long start = System.nanoTime();

        assertThatThrownBy(() -> Subprocess.run(List.of("sleep", "30"), new byte[0], Duration.ofMillis(300)))
                .isInstanceOf(TestbedException.class)
                .hasMessageContaining("did not finish within PT0.3S: sleep 30");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void missingProgramIsReportedByName() {
        assertThatThrownBy(() -> Subprocess.run(List.of("no-such-program-shoal"), new byte[0], TIMEOUT))
                .isInstanceOf(TestbedException.class)
                .hasMessageStartingWith("cannot run no-such-program-shoal");
    }
}
