package io.shoal.agent.worker;

import io.shoal.agent.exec.TaskRuntime;
import io.shoal.model.Task;
import java.time.Duration;

/**
 * What the worker asks of the node's networking for one task: wire its namespace once it runs
 * (overlay interfaces, service VIPs, embedded DNS) before the task is reported RUNNING, and unwire
 * it once its runtime is gone.
 */
public interface TaskNetworking {
    /** No networking at all (tests of the lifecycle alone, hosts without overlays). */
    TaskNetworking NONE = new TaskNetworking() {
        @Override
        public void attach(Task task, TaskRuntime runtime) {}

        @Override
        public void detach(String taskId) {}

        @Override
        public Duration leaveDelay() {
            return Duration.ZERO;
        }
    };

    /**
     * Wires a running task's namespace. Called before the task is first reported RUNNING and again
     * after an agent restart (adoption): it must repair what exists rather than fail on it.
     *
     * @throws RuntimeException with a message naming what failed; the task then FAILS
     */
    void attach(Task task, TaskRuntime runtime);

    /** Releases what {@link #attach} made for the task; its runtime is stopped and removed. */
    void detach(String taskId);

    /**
     * How long a task that served traffic waits between leaving the endpoints (its desired state
     * moved on, so every node's table drops it) and its SIGTERM: the time every node needs to stop
     * sending it new requests, so that a rolling update drops none.
     */
    Duration leaveDelay();
}
