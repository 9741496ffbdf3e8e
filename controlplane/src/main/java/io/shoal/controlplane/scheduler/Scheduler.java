package io.shoal.controlplane.scheduler;

import io.shoal.model.PlacementPreference;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Places tasks on nodes: filters rule nodes out, placement preferences narrow the rest to the least
 * used label value, the strategy picks one. Decisions within one {@link #schedule(List, List)} call
 * see each other, so a batch spreads as if placed one by one.
 */
public final class Scheduler {
    private final List<Filter> filters;
    private final Strategy strategy;

    public Scheduler(List<Filter> filters, Strategy strategy) {
        this.filters = List.copyOf(filters);
        this.strategy = strategy;
    }

    /** Every standard filter with the given strategy. */
    public static Scheduler withStrategy(Strategy strategy) {
        return new Scheduler(
                List.of(
                        Filter.READY,
                        Filter.ACTIVE,
                        Filter.CONSTRAINTS,
                        Filter.RESOURCES,
                        Filter.HOST_PORTS,
                        Filter.MAX_REPLICAS),
                strategy);
    }

    /** Every standard filter, spread strategy. */
    public static Scheduler defaults() {
        return withStrategy(Strategy.SPREAD);
    }

    /** Places one task; on success the chosen node accounts for it. */
    public Decision schedule(TaskRequest task, List<NodeInfo> nodes) {
        List<NodeInfo> candidates = new ArrayList<>(nodes.size());
        for (NodeInfo n : nodes) {
            if (failedFilter(n, task) == null) {
                candidates.add(n);
            }
        }
        if (candidates.isEmpty()) {
            // Only now count why: the common case places the task and needs no reasons.
            Map<String, Integer> ruledOut = new LinkedHashMap<>();
            for (NodeInfo n : nodes) {
                ruledOut.merge(failedFilter(n, task).reason(), 1, Integer::sum);
            }
            return new Decision(task.taskId(), "", explain(nodes.size(), ruledOut));
        }
        for (PlacementPreference pref : task.spec().placement().preferences()) {
            candidates = leastUsedGroup(candidates, pref, task.serviceId());
        }
        NodeInfo chosen = strategy.pick(candidates, task);
        chosen.add(task);
        return new Decision(task.taskId(), chosen.id(), "");
    }

    private Filter failedFilter(NodeInfo n, TaskRequest task) {
        for (Filter f : filters) {
            if (!f.accepts(n, task)) {
                return f;
            }
        }
        return null;
    }

    /** Places tasks in order; each decision counts for the next. */
    public List<Decision> schedule(List<TaskRequest> tasks, List<NodeInfo> nodes) {
        List<Decision> out = new ArrayList<>(tasks.size());
        for (TaskRequest t : tasks) {
            out.add(schedule(t, nodes));
        }
        return out;
    }

    /**
     * Nodes grouped by the preference's label value (nodes without the label form their own group);
     * the group running the fewest tasks of the service wins, ties by value.
     */
    private static List<NodeInfo> leastUsedGroup(
            List<NodeInfo> candidates, PlacementPreference pref, String serviceId) {
        Map<String, List<NodeInfo>> groups = new TreeMap<>();
        for (NodeInfo n : candidates) {
            String value = n.node().spec().labels().getOrDefault(pref.label(), "");
            groups.computeIfAbsent(value, v -> new ArrayList<>()).add(n);
        }
        return groups.values().stream()
                .min(Comparator.comparingInt((List<NodeInfo> g) ->
                        g.stream().mapToInt(n -> n.tasksOf(serviceId)).sum()))
                .orElseThrow();
    }

    private static String explain(int total, Map<String, Integer> ruledOut) {
        if (total == 0) {
            return "no suitable node (no nodes)";
        }
        StringBuilder sb = new StringBuilder("no suitable node (");
        String sep = "";
        for (Map.Entry<String, Integer> e : ruledOut.entrySet()) {
            sb.append(sep)
                    .append(e.getKey())
                    .append(" on ")
                    .append(e.getValue())
                    .append(e.getValue() == 1 ? " node" : " nodes");
            sep = "; ";
        }
        return sb.append(')').toString();
    }
}
