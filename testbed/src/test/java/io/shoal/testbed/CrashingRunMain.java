package io.shoal.testbed;

import java.nio.file.Path;

/**
 * A JVM that starts a testbed run with a process in it, says which run, and waits to be killed:
 * what a test JVM looks like when CI kills it with SIGKILL.
 */
public final class CrashingRunMain {
    static final String MARKER = "RUN-PREFIX=";

    private CrashingRunMain() {}

    /** Arguments: the state folder. Runs until killed. */
    public static void main(String[] args) throws Exception {
        Testbed tb = Testbed.builder()
                .hosts(2)
                .stateDir(Path.of(args[0]))
                .sweepFirst(false)
                .start();
        tb.host(1).start("sleep", "300");
        System.out.println(MARKER + tb.prefix());
        System.out.flush();
        // Wait for the parent to kill us; stdin closes only if the parent dies first.
        while (System.in.read() >= 0) {
            // ignore input
        }
    }
}
