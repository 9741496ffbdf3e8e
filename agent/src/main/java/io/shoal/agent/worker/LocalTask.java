package io.shoal.agent.worker;

import io.shoal.model.TaskStatus;

/**
 * What the worker knows of one of its tasks: the runtime it made (or adopted) and the latest status
 * it observed, which may not have reached ZooKeeper yet (it is written as soon as the store is
 * reachable). Touched only on the worker's thread.
 */
final class LocalTask {
    final String taskId;
    String runtimeId;
    TaskStatus observed;
    boolean reported;
    boolean stopping;
    boolean runtimeGone;
    /** Its namespace is wired (overlay, VIPs, DNS) by this agent process. */
    boolean wired;

    LocalTask(String taskId, String runtimeId, TaskStatus observed, boolean reported) {
        this.taskId = taskId;
        this.runtimeId = runtimeId;
        this.observed = observed;
        this.reported = reported;
    }

    boolean hasRuntime() {
        return !runtimeId.isEmpty() && !runtimeGone;
    }
}
