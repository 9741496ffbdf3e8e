package io.shoal.agent.exec;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What a task's runtime is doing, as its executor inspected it.
 *
 * @param id the runtime id (container id, process runtime id)
 * @param taskId the task it runs
 * @param phase created, running or exited
 * @param pid the main process id while running; 0 otherwise
 * @param netns the network namespace file while running ({@code /proc/<pid>/ns/net} or {@code
 *     /run/netns/<name>}); empty otherwise
 * @param exitCode the exit code once exited; 0 before
 * @param health the health check's last verdict
 * @param error why it ended, when the executor knows more than the exit code ("out of memory")
 */
public record TaskRuntime(
        String id,
        String taskId,
        Phase phase,
        long pid,
        Optional<Path> netns,
        int exitCode,
        Health health,
        String error) {
    /** Where a runtime is in its life. */
    public enum Phase {
        CREATED,
        RUNNING,
        EXITED
    }

    public TaskRuntime {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(phase, "phase");
        netns = Objects.requireNonNullElse(netns, Optional.empty());
        health = Objects.requireNonNullElse(health, Health.NONE);
        error = error == null ? "" : error;
    }

    public boolean running() {
        return phase == Phase.RUNNING;
    }
}
