package io.shoal.testbed;

import java.util.List;

/**
 * The outcome of a command that ran to completion.
 *
 * @param command the command line, for messages
 * @param exitCode the exit status (128 + signal when killed by a signal)
 * @param stdout everything the command wrote to standard output
 * @param stderr everything the command wrote to standard error
 */
public record ExecResult(List<String> command, int exitCode, String stdout, String stderr) {
    /** True when the command exited with status 0. */
    public boolean ok() {
        return exitCode == 0;
    }

    /** The command, its status and both outputs, for an assertion message. */
    public String describe() {
        return String.join(" ", command) + " -> exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n"
                + stderr;
    }

    /**
     * Returns this result if the command succeeded.
     *
     * @throws TestbedException naming the command, its status and its error output otherwise
     */
    public ExecResult requireOk() {
        if (!ok()) {
            throw new TestbedException("command failed with status " + exitCode + ": " + String.join(" ", command)
                    + (stderr.isBlank() ? "" : " -- " + stderr.strip()));
        }
        return this;
    }
}
