package io.shoal.controlplane.scheduler;

import java.util.Comparator;
import java.util.List;
import java.util.Random;

/** Picks one node among those every filter accepted (never an empty list). */
public interface Strategy {
    NodeInfo pick(List<NodeInfo> candidates, TaskRequest task);

    /** Swarm's default: fewest tasks of this service, then fewest tasks overall, then node id. */
    Strategy SPREAD = (candidates, task) -> candidates.stream()
            .min(Comparator.comparingInt((NodeInfo n) -> n.tasksOf(task.serviceId()))
                    .thenComparingInt(NodeInfo::totalTasks)
                    .thenComparing(NodeInfo::id))
            .orElseThrow();

    /**
     * Fill nodes before using new ones: least free memory, then least free CPU, then most tasks, then
     * node id.
     */
    Strategy BINPACK = (candidates, task) -> candidates.stream()
            .min(Comparator.comparingLong((NodeInfo n) -> n.available().memoryBytes())
                    .thenComparingLong(n -> n.available().nanoCpus())
                    .thenComparing(Comparator.comparingInt(NodeInfo::totalTasks).reversed())
                    .thenComparing(NodeInfo::id))
            .orElseThrow();

    /** Uniformly at random among the candidates. */
    static Strategy random(Random random) {
        return (candidates, task) -> candidates.get(random.nextInt(candidates.size()));
    }
}
