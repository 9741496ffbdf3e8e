package io.shoal.testbed.vm;

import io.shoal.testbed.ExecResult;
import io.shoal.testbed.Scripts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Runs a program to completion with a time limit; the tests' only way to reach scripts. */
final class Command {
    private Command() {}

    /** What a finished program said: exit status, standard output, standard error. */
    record Result(List<String> command, int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }

        /** Everything, for assertion messages that show why a command failed. */
        String describe() {
            return String.join(" ", command) + " -> exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n"
                    + stderr;
        }
    }

    static Result run(Duration limit, List<String> command) {
        return run(limit, Map.of(), command);
    }

    static Result run(Duration limit, Map<String, String> env, List<String> command) {
        ExecResult r = Scripts.run(limit, env, command.toArray(String[]::new));
        if (r.exitCode() == -1) {
            throw new AssertionError(
                    String.join(" ", command) + " did not finish within " + limit + "\n--- stderr\n" + r.stderr());
        }
        return new Result(command, r.exitCode(), r.stdout(), r.stderr());
    }

    /** True when {@code program} is on the PATH. */
    static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(":")) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
