package io.shoal.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
class SweeperIntegrationTest {
    @TempDir
    Path stateDir;

    private Testbed crashed;

    @AfterEach
    void removeWhateverIsLeft() {
        // If the sweeper failed, the test still must not leave its run behind.
        if (crashed != null) {
            crashed.close();
        }
    }

    @Test
    void runOfADeadJvmIsSweptWithItsProcesses() throws Exception {
        Requirements.requireRoot();
        crashed =
                Testbed.builder().hosts(2).stateDir(stateDir).sweepFirst(false).start();
        RunPrefix prefix = crashed.prefix();
        crashed.host(1).exec("sh", "-c", "setsid sleep 300 >/dev/null 2>&1 &").requireOk();
        List<Long> inodes = List.copyOf(crashed.namespaceInodes().values());
        // What a JVM killed with -9 leaves: namespaces, a process, and a record whose owner is gone.
        Process owner = new ProcessBuilder("true").start();
        owner.waitFor();
        new RunRecord(prefix, owner.pid(), 1, 2, List.of()).write(stateDir);
        assertThat(Leftovers.find(prefix, inodes).namespaces()).hasSize(3);
        assertThat(Leftovers.find(prefix, inodes).pids()).hasSize(1);

        Sweeper.Plan swept = new Sweeper(stateDir).sweep();

        assertThat(swept.runs()).containsExactly(prefix);
        assertThat(swept.namespaces()).containsExactly(prefix + "-h1", prefix + "-h2", prefix + "-fab");
        Leftovers left = Leftovers.find(prefix, inodes);
        assertThat(left.namespaces()).isEmpty();
        assertThat(left.rootLinks()).isEmpty();
        assertThat(left.pids()).isEmpty();
        assertThat(RunRecord.runDir(stateDir, prefix)).doesNotExist();
    }

    @Test
    void runOfALiveJvmIsNotSwept() {
        Requirements.requireRoot();
        crashed =
                Testbed.builder().hosts(1).stateDir(stateDir).sweepFirst(false).start();

        Sweeper.Plan swept = new Sweeper(stateDir).sweep();

        assertThat(swept.isEmpty()).isTrue();
        assertThat(crashed.host(1).exec(Duration.ofSeconds(5), "true").ok()).isTrue();
    }
}
