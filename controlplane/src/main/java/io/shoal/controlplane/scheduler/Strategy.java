package io.shoal.controlplane.scheduler;

import java.util.List;
import java.util.Random;

/** Picks one node among those every filter accepted (never an empty list). */
public interface Strategy {
    NodeInfo pick(List<NodeInfo> candidates, TaskRequest task);

    /** Swarm's default: fewest tasks of this service, then fewest tasks overall, then node id. */
    Strategy SPREAD = (candidates, task) -> {
        // A plain loop: this runs once per decision over every candidate (JMH SchedulerBenchmark).
        NodeInfo best = null;
        int bestOfService = 0;
        for (NodeInfo n : candidates) {
            int ofService = n.tasksOf(task.serviceId());
            if (best == null
                    || ofService < bestOfService
                    || ofService == bestOfService
                            && (n.totalTasks() < best.totalTasks()
                                    || n.totalTasks() == best.totalTasks() && n.id().compareTo(best.id()) < 0)) {
                best = n;
                bestOfService = ofService;
            }
        }
        if (best == null) {
            throw new IllegalArgumentException("no candidates");
        }
        return best;
    };

    /**
     * Fill nodes before using new ones: least free memory, then least free CPU, then most tasks, then
     * node id.
     */
    Strategy BINPACK = (candidates, task) -> {
        NodeInfo best = null;
        long bestMemory = 0;
        long bestCpu = 0;
        for (NodeInfo n : candidates) {
            long memory = n.freeMemoryBytes();
            long cpu = n.freeNanoCpus();
            if (best == null
                    || memory < bestMemory
                    || memory == bestMemory
                            && (cpu < bestCpu
                                    || cpu == bestCpu
                                            && (n.totalTasks() > best.totalTasks()
                                                    || n.totalTasks() == best.totalTasks()
                                                            && n.id().compareTo(best.id()) < 0))) {
                best = n;
                bestMemory = memory;
                bestCpu = cpu;
            }
        }
        if (best == null) {
            throw new IllegalArgumentException("no candidates");
        }
        return best;
    };

    /** Uniformly at random among the candidates. */
    static Strategy random(Random random) {
        return (candidates, task) -> candidates.get(random.nextInt(candidates.size()));
    }
}
