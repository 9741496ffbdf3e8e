package io.shoal.controlplane.scheduler;

import io.shoal.model.Node;
import io.shoal.model.PortConfig;
import io.shoal.model.Resources;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A node as the scheduler sees it during one pass: the node, the tasks it runs per service, what
 * they reserve and the host ports they bind. {@link #add} accounts a placement so the next decision
 * of the same pass sees it. Not thread-safe: one pass, one thread.
 */
public final class NodeInfo {
    private final Node node;
    private final Map<String, Integer> tasksByService = new HashMap<>();
    private final Set<String> hostPorts = new HashSet<>();
    private int totalTasks;
    private Resources reserved = Resources.NONE;

    public NodeInfo(Node node) {
        this.node = node;
    }

    /** Counts a task on this node (an existing one, or one just placed). */
    public NodeInfo add(TaskRequest task) {
        tasksByService.merge(task.serviceId(), 1, Integer::sum);
        totalTasks++;
        reserved = reserved.plus(task.spec().resources().reservations());
        for (PortConfig p : task.hostPorts()) {
            hostPorts.add(key(p));
        }
        return this;
    }

    public Node node() {
        return node;
    }

    public String id() {
        return node.id();
    }

    /** Tasks of one service on this node. */
    public int tasksOf(String serviceId) {
        return tasksByService.getOrDefault(serviceId, 0);
    }

    public int totalTasks() {
        return totalTasks;
    }

    public Resources reserved() {
        return reserved;
    }

    /** What is left for new reservations (never negative). */
    public Resources available() {
        Resources total = node.description().resources();
        return new Resources(
                Math.max(0, total.nanoCpus() - reserved.nanoCpus()),
                Math.max(0, total.memoryBytes() - reserved.memoryBytes()));
    }

    /** Free memory for new reservations (never negative), without making a {@link Resources}. */
    public long freeMemoryBytes() {
        return Math.max(0, node.description().resources().memoryBytes() - reserved.memoryBytes());
    }

    /** Free CPU for new reservations (never negative), without making a {@link Resources}. */
    public long freeNanoCpus() {
        return Math.max(0, node.description().resources().nanoCpus() - reserved.nanoCpus());
    }

    /** True when {@code wanted} fits in what is left, resource by resource. */
    public boolean fits(Resources wanted) {
        return wanted.nanoCpus() <= freeNanoCpus() && wanted.memoryBytes() <= freeMemoryBytes();
    }

    /** True when a host-mode port is already bound here. */
    public boolean hostPortInUse(PortConfig port) {
        return hostPorts.contains(key(port));
    }

    private static String key(PortConfig p) {
        return p.publishedPort() + "/" + p.protocol().json();
    }
}
