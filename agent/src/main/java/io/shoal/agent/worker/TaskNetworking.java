package io.shoal.agent.worker;

import io.shoal.agent.exec.TaskRuntime;
import io.shoal.model.Task;
import java.time.Duration;
import java.util.Set;

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
     * Removes what this node's networking made for every task that is not in {@code current}: the
     * worker's tasks with a runtime here (running, adopted or being stopped). Called once the worker
     * has adopted the runtimes it found at start (so that objects of tasks that went away while the
     * agent was down go) and after every periodic pass (so that objects of a task whose detach was
     * missed go too). Must touch only objects named with this node's own prefixes, must not stop at
     * the first failure, and leaves what it could not remove for the next call.
     *
     * @param current ids of the tasks whose networking must stay
     * @throws RuntimeException only when the sweep could not run at all; the worker logs it
     */
    default void sweep(Set<String> current) {}

    /**
     * How long a task that served traffic waits between leaving the endpoints (its desired state
     * moved on, so every node's table drops it) and its SIGTERM: the time every node needs to stop
     * sending it new requests, so that a rolling update drops none.
     */
    Duration leaveDelay();
}
