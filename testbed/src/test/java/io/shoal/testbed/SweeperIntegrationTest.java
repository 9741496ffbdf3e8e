package io.shoal.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
class SweeperIntegrationTest {
    @TempDir
    Path stateDir;

    private Testbed live;

    @AfterEach
    void removeWhateverIsLeft() {
        // If the sweeper failed, the test still must not leave a run behind.
        new Sweeper(stateDir).sweep();
        if (live != null) {
            live.close();
        }
    }

    @Test
    void runOfAJvmKilledWithSigkillIsSweptWithItsProcesses() throws Exception {
        Requirements.requireRoot();
        Process jvm = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        CrashingRunMain.class.getName(),
                        stateDir.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        RunPrefix prefix;
        try {
            prefix = RunPrefix.of(readPrefix(jvm));
        } finally {
            // SIGKILL: no shutdown hook runs, exactly like a crash.
            jvm.destroyForcibly();
            assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        List<String> left = Namespaces.list().stream().filter(prefix::owns).toList();
        assertThat(left).containsExactlyInAnyOrder(prefix + "-h1", prefix + "-h2", prefix + "-fab");
        long h1 = Namespaces.inode(prefix + "-h1");
        assertThat(Namespaces.pidsIn(h1)).as("the run's sleep outlived its JVM").hasSize(1);
        assertThat(RunRecord.read(stateDir, prefix).orElseThrow().ownerAlive()).isFalse();

        Sweeper.Plan swept = new Sweeper(stateDir).sweep();

        assertThat(swept.runs()).containsExactly(prefix);
        assertThat(swept.namespaces()).containsExactly(prefix + "-h1", prefix + "-h2", prefix + "-fab");
        Leftovers after = Leftovers.find(prefix, List.of(h1));
        assertThat(after.namespaces()).isEmpty();
        assertThat(after.rootLinks()).isEmpty();
        assertThat(after.pids()).isEmpty();
        assertThat(RunRecord.runDir(stateDir, prefix)).doesNotExist();
    }

    private static String readPrefix(Process jvm) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
        // The child logs to stdout too; its run's prefix comes on a marked line.
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.startsWith(CrashingRunMain.MARKER)) {
                return line.substring(CrashingRunMain.MARKER.length());
            }
        }
        throw new AssertionError("the child JVM exited without starting its run (status " + jvm.waitFor() + ")");
    }

    @Test
    void runOfALiveJvmIsNotSwept() {
        Requirements.requireRoot();
        live = Testbed.builder().hosts(1).stateDir(stateDir).sweepFirst(false).start();

        Sweeper.Plan swept = new Sweeper(stateDir).sweep();

        assertThat(swept.isEmpty()).isTrue();
        assertThat(live.host(1).exec(Duration.ofSeconds(5), "true").ok()).isTrue();
    }
}
