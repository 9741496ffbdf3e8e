package io.shoal.testbed;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Sends SIGSTOP and SIGCONT, which {@link ProcessHandle} cannot: through {@code kill(1)} until the
 * {@code netlink} module's native bindings can call {@code kill(2)} directly.
 */
final class Signals {
    private Signals() {}

    static void send(String signal, List<Long> pids) {
        if (pids.isEmpty()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("kill", "-s", signal));
        pids.forEach(pid -> command.add(Long.toString(pid)));
        Subprocess.run(command, "".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10))
                .requireOk();
    }
}
