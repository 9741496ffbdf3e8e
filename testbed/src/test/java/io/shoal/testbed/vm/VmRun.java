package io.shoal.testbed.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * One run of {@code vm/up.sh} for a test: boots guests under a unique run name, runs scripts in
 * them through {@code vm/exec.sh}, and tears down with {@code vm/down.sh}, checking that nothing
 * of the run is left.
 */
final class VmRun {
    private static final Path VM = Path.of("vm").toAbsolutePath();
    private static final Path STATE_ROOT = Path.of("/run/shoal-vm");
    /** A cold image build (debootstrap) is included in the first run on a machine. */
    private static final Duration UP_LIMIT = Duration.ofMinutes(15);

    private final String name = "sv"
            + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    private final String engine;
    private final Path share;

    /** Prepares a run; nothing exists on the machine until {@link #up(int)}. */
    VmRun(String engine) throws IOException {
        this.engine = engine;
        this.share = Files.createTempDirectory("shoal-vm-share");
    }

    String name() {
        return name;
    }

    /** The host directory every guest mounts at {@code /shoal}. */
    Path share() {
        return share;
    }

    /** Boots {@code guests} guests (198.18.0.1..n); fails with up.sh's output if it cannot. */
    void up(int guests) {
        Command.Result up = Command.run(
                UP_LIMIT,
                Map.of("SHOAL_VM_RUN", name, "SHOAL_VM_SHARE", share.toString(), "SHOAL_VM_ENGINE", engine),
                List.of(VM.resolve("up.sh").toString(), String.valueOf(guests)));
        assertThat(up.ok()).as(up.describe()).isTrue();
    }

    /** Runs {@code script} in a guest; fails the test unless it exits 0; returns its output. */
    String exec(int guest, int seconds, String script) {
        Command.Result result = Command.run(
                Duration.ofSeconds(seconds + 15),
                List.of(
                        VM.resolve("exec.sh").toString(),
                        "-r",
                        name,
                        "-t",
                        String.valueOf(seconds),
                        String.valueOf(guest),
                        script));
        assertThat(result.ok()).as(result.describe()).isTrue();
        return result.stdout();
    }

    /** Runs down.sh and checks that no process, namespace, link or state of the run is left. */
    void downLeavesNothing() throws IOException {
        Command.Result down =
                Command.run(Duration.ofMinutes(2), List.of(VM.resolve("down.sh").toString(), name));
        try (Stream<Path> files = Files.walk(share)) {
            files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        }
        assertThat(down.ok()).as(down.describe()).isTrue();
        assertThat(Path.of("/run/netns", name + "f")).doesNotExist();
        assertThat(STATE_ROOT.resolve(name)).doesNotExist();
        assertThat(processesOfRun()).as("processes of run " + name).isEmpty();
        Command.Result links = Command.run(Duration.ofSeconds(10), List.of("ip", "-o", "link", "show"));
        assertThat(links.stdout()).doesNotContain(name);
    }

    /** PIDs whose command line names this run's state directory: kernels, helpers, qemu. */
    private List<Long> processesOfRun() throws IOException {
        String marker = STATE_ROOT.resolve(name) + "/";
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .toList()) {
                try {
                    String cmdline = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
                    if (cmdline.contains(marker)) {
                        pids.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // The process ended while we looked: not left over.
                }
            }
        }
        return pids;
    }
}
