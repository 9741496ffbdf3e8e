package io.shoal.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunRecordTest {
    @TempDir
    Path stateDir;

    @Test
    void recordSurvivesARoundTripThroughItsFile() {
        RunRecord r = RunRecord.ownedByThisJvm(RunPrefix.of("sbab12"), 3)
                .withClient("lb")
                .withClient("cl");

        r.write(stateDir);

        assertThat(RunRecord.read(stateDir, RunPrefix.of("sbab12"))).contains(r);
        assertThat(RunRecord.readAll(stateDir)).containsOnlyKeys(RunPrefix.of("sbab12"));
    }

    @Test
    void thisJvmOwnsItsRecordButADeadOrReusedPidDoesNot() throws Exception {
        RunRecord mine = RunRecord.ownedByThisJvm(RunPrefix.of("sbab12"), 1);
        assertThat(mine.ownerAlive()).isTrue();

        // Same pid, other start time: the pid was reused by another process after the owner died.
        RunRecord reused = new RunRecord(mine.prefix(), mine.ownerPid(), mine.ownerStartTime() + 1, 1, List.of());
        assertThat(reused.ownerAlive()).isFalse();

        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        RunRecord dead = new RunRecord(mine.prefix(), p.pid(), 1, 1, List.of());
        assertThat(dead.ownerAlive()).isFalse();
    }

    @Test
    void deleteRemovesTheRunsFolderWithItsLogs() throws Exception {
        RunPrefix p = RunPrefix.of("sbab12");
        RunRecord.kept(p, 2).write(stateDir);
        Files.createDirectories(RunRecord.runDir(stateDir, p).resolve("logs"));
        Files.writeString(RunRecord.runDir(stateDir, p).resolve("logs/h1-1.log"), "x");

        RunRecord.delete(stateDir, p);

        assertThat(RunRecord.runDir(stateDir, p)).doesNotExist();
        assertThat(RunRecord.read(stateDir, p)).isEmpty();
    }

    @Test
    void foldersThatAreNotRunsAreIgnoredAndBrokenRecordsNamed() throws Exception {
        Files.createDirectories(stateDir.resolve("not-a-run"));
        assertThat(RunRecord.readAll(stateDir)).isEmpty();

        Path dir = Files.createDirectories(stateDir.resolve("sbab12"));
        Files.writeString(dir.resolve("run.properties"), "prefix=sbab12\nhosts=2\n");
        assertThatThrownBy(() -> RunRecord.read(stateDir, RunPrefix.of("sbab12")))
                .isInstanceOf(TestbedException.class)
                .hasMessageContaining("owner.pid: missing");
    }

    @Test
    void badFieldsAreRejectedByName() {
        assertThatThrownBy(() -> new RunRecord(RunPrefix.of("sbab12"), -1, 0, 1, List.of()))
                .hasMessageStartingWith("ownerPid:");
        assertThatThrownBy(() -> new RunRecord(RunPrefix.of("sbab12"), 1, 0, 300, List.of()))
                .hasMessageStartingWith("hosts:");
    }
}
