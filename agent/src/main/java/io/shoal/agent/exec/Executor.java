package io.shoal.agent.exec;

import io.shoal.model.Task;
import java.io.Closeable;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Runs tasks on this node: containers through a Docker engine, or plain processes in network
 * namespaces of their own. Each runtime (a container, a process) carries the node, service and task
 * it belongs to, so that a restarted agent finds its tasks again with {@link #list()} and adopts them
 * instead of starting them twice. An executor only ever lists and touches the runtimes of its own
 * node: several agents may share one engine.
 *
 * <p>Restarting is never the executor's job: a runtime that ends stays ended, and the control plane
 * decides whether a new task replaces it.
 */
public interface Executor extends Closeable {
    /** A short name for logs and status messages: {@code docker}, {@code process}. */
    String kind();

    /**
     * Makes the runtime of a task without starting it (image checked, container created, namespace
     * made).
     *
     * @return the runtime id (container id, process runtime id)
     * @throws ExecutorException naming the task and what is wrong (image absent and not pullable, no
     *     command, ...)
     */
    String prepare(Task task);

    /** Starts a prepared runtime; starting one that already runs does nothing. */
    void start(String id);

    /**
     * Stops a runtime: SIGTERM, then SIGKILL once {@code grace} has passed. Returns when it no longer
     * runs; stopping one that does not run does nothing.
     */
    void stop(String id, Duration grace);

    /** Removes a runtime and what it holds (container, namespace); removing a missing one does nothing. */
    void remove(String id);

    /** What the runtime is doing now; empty when it does not exist (any more). */
    Optional<TaskRuntime> inspect(String id);

    /** Every runtime of this node that the executor manages, running or not. */
    List<Managed> list();

    /**
     * Calls {@code changed} with a runtime id whenever something happened to it (it exited, its
     * health changed, it was removed). The call may come from any thread; hand work off quickly.
     */
    Subscription watch(Consumer<String> changed);

    /** A watch registration. */
    @FunctionalInterface
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    /** Releases the executor's connections; the runtimes themselves keep running. */
    @Override
    void close();
}
