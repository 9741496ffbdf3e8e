package io.shoal.model;

import java.time.Instant;
import java.util.Objects;

/**
 * What was observed of a task, stored at {@code /shoal/status/<id>} by the agent that runs it (the
 * leader records the states up to ASSIGNED in the task itself).
 *
 * @param state the observed state
 * @param timestamp when it was observed
 * @param message what happened, for people ("started", "assigned")
 * @param error why it failed or was rejected; "" otherwise
 * @param containerId the container (or process) id once it exists; "" before
 * @param exitCode the exit code once the task stopped; 0 otherwise
 */
public record TaskStatus(
        TaskState state, Instant timestamp, String message, String error, String containerId, int exitCode) {
    public TaskStatus {
        state = Objects.requireNonNullElse(state, TaskState.NEW);
        timestamp = Objects.requireNonNullElse(timestamp, Instant.EPOCH);
        message = message == null ? "" : message;
        error = error == null ? "" : error;
        containerId = containerId == null ? "" : containerId;
    }

    public static TaskStatus of(TaskState state, Instant timestamp, String message) {
        return new TaskStatus(state, timestamp, message, "", "", 0);
    }

    /**
     * The next status; the move must be legal (forward, or the same state), else an {@link
     * IllegalStateException} naming both states.
     */
    public TaskStatus moveTo(TaskState next, Instant at, String why) {
        state.checkMoveTo(next);
        return new TaskStatus(next, at, why, error, containerId, exitCode);
    }

    /** This status failed with an error and exit code. */
    public TaskStatus fail(Instant at, String why, int code) {
        state.checkMoveTo(TaskState.FAILED);
        return new TaskStatus(TaskState.FAILED, at, "failed", why, containerId, code);
    }

    public TaskStatus withContainerId(String value) {
        return new TaskStatus(state, timestamp, message, error, value, exitCode);
    }
}
