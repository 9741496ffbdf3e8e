package io.shoal.testbed;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion and captures its output. */
final class Subprocess {
    private Subprocess() {}

    /**
     * Runs {@code command}, feeds it {@code stdin} (then end of file) and waits at most {@code timeout}.
     *
     * <p>Output goes to temporary files rather than pipes: no reader threads, and a chatty command
     * can never block on a full pipe.
     *
     * @throws TestbedException when the command cannot start or does not finish in time (it is killed)
     */
    static ExecResult run(List<String> command, byte[] stdin, Duration timeout) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("shoal-testbed-", ".out");
            err = Files.createTempFile("shoal-testbed-", ".err");
            Process p = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin);
            } catch (IOException e) {
                // The command exited without reading its input; its status says how it went.
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor();
                throw new TestbedException(
                        "command did not finish within " + timeout + ": " + String.join(" ", command));
            }
            return new ExecResult(
                    List.copyOf(command),
                    p.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new TestbedException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TestbedException("interrupted while running " + String.join(" ", command), e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // A leftover temp file is harmless; the command's result matters more.
            }
        }
    }
}
