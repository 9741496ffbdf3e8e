package io.shoal.testbed;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a long script (a VM's start-up, a suite inside a guest) to its end or a deadline, with extra
 * environment and no input. Unlike a command that must succeed, a script killed at its deadline is
 * an outcome the caller reports (exit status -1), with everything it wrote so far.
 */
public final class Scripts {
    private Scripts() {}

    /**
     * @param timeout how long the script may run; then it and its descendants are killed
     * @param env variables added to this process's environment
     * @param command the command line
     * @return its result; exit status -1 when it was killed at the deadline
     */
    public static ExecResult run(Duration timeout, Map<String, String> env, String... command) {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        try {
            // Files, not pipes: a chatty script cannot block on a full pipe while we wait.
            Path out = Files.createTempFile("shoal-script", ".out");
            Path err = Files.createTempFile("shoal-script", ".err");
            try {
                Process p = builder.redirectOutput(out.toFile())
                        .redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly().waitFor();
                }
                return new ExecResult(
                        List.of(command),
                        p.isAlive() ? -1 : p.exitValue(),
                        Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + List.of(command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TestbedException("interrupted while running " + List.of(command), e);
        }
    }
}
