package io.shoal.controlplane.store;

import java.util.List;
import java.util.Objects;

/**
 * What one node is asked to run: the znode {@code /shoal/assignments/<node>} holds the ids of the
 * tasks assigned to it whose desired state is RUNNING, sorted. The leader's orchestrator rewrites it
 * (fenced, version-checked) at the end of every pass that changed it, after the tasks themselves are
 * stored, so every id names a task that can be read.
 *
 * <p>A worker that watches only this znode learns of new work with one read instead of a read of
 * every task of the cluster (the tasks folder is flat, and ZooKeeper cannot filter a watch by node),
 * as SwarmKit's dispatcher sends each node only its own assignments. A task that leaves the list is
 * to be stopped.
 *
 * @param tasks task ids, sorted
 */
public record AssignmentList(List<String> tasks) {
    public AssignmentList {
        tasks = List.copyOf(Objects.requireNonNull(tasks, "tasks"));
    }
}
