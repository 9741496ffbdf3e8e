package io.shoal.agent.e2e;

import io.shoal.model.Task;
import io.shoal.model.TaskState;
import io.shoal.model.TaskStatus;
import java.util.Optional;

/**
 * A task as the API lists it: the leader's record and, once the owning agent wrote one, the agent's
 * reported status.
 *
 * @param task the task (desired state, node, slot, addresses, the leader's status up to ASSIGNED)
 * @param reported the agent's report, empty before the agent wrote one
 */
public record TaskView(Task task, Optional<TaskStatus> reported) {
    /** The task id, e.g. {@code <service id>.1.0}. */
    public String id() {
        return task.id();
    }

    /** The node the task is assigned to ("" before scheduling). */
    public String nodeId() {
        return task.nodeId();
    }

    /** The latest state known: the agent's report if any, else the leader's record. */
    public TaskState state() {
        return reported.map(TaskStatus::state).orElse(task.status().state());
    }

    /** The container id the agent reported, "" before it made one. */
    public String containerId() {
        return reported.map(TaskStatus::containerId).orElse("");
    }

    /** Wanted running and reported RUNNING by its agent (for a task with a health check: healthy). */
    public boolean running() {
        return task.desiredState() == TaskState.RUNNING && state() == TaskState.RUNNING;
    }

    @Override
    public String toString() {
        return id() + "@" + (nodeId().isEmpty() ? "-" : nodeId()) + " v" + task.serviceVersion() + " " + state()
                + " (desired "
                + task.desiredState() + ")"
                + reported.map(r -> r.error().isEmpty() ? "" : " error: " + r.error())
                        .orElse("");
    }
}
