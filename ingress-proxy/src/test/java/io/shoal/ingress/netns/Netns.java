package io.shoal.ingress.netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test scaffolding: runs {@code ip} and commands inside namespaces (the netlink module will replace
 * the {@code ip} calls). Every command is bounded in time; a failure names the command and its
 * output.
 */
final class Netns {
    private Netns() {}

    /** Runs a command to completion (10 s at most) and returns its output; fails on a non-zero exit. */
    static String run(String... cmd) {
        Result r = tryRun(cmd);
        if (r.exit != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " exited " + r.exit + ": " + r.output);
        }
        return r.output;
    }

    record Result(int exit, String output) {}

    static Result tryRun(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish in 10 s");
            }
            return new Result(
                    p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", cmd), e);
        }
    }

    /** {@code ip netns exec ns cmd...} as an argument list. */
    static String[] in(String ns, String... cmd) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        all.addAll(List.of(cmd));
        return all.toArray(String[]::new);
    }

    /** Kills every process left in a namespace (those this test started there) by pid. */
    static void killAll(String ns) {
        Result pids = tryRun("ip", "netns", "pids", ns);
        if (pids.exit != 0) {
            return;
        }
        for (String pid : pids.output.split("\\s+")) {
            if (!pid.isBlank()) {
                tryRun("kill", "-9", pid.trim());
            }
        }
    }
}
