package io.shoal.controlplane.scheduler;

import io.shoal.model.NodeAvailability;
import io.shoal.model.NodeState;
import io.shoal.model.PortConfig;
import io.shoal.model.Resources;

/** A rule that rules nodes out for a task; {@link #reason} says why, for "no suitable node" errors. */
public interface Filter {
    boolean accepts(NodeInfo node, TaskRequest task);

    /** Why a node was ruled out, e.g. "not ready". */
    String reason();

    /** The node's member record is present. */
    Filter READY = new Named("not ready", (n, t) -> n.node().status().state() == NodeState.READY);

    /** Paused and drained nodes get no new tasks. */
    Filter ACTIVE = new Named("not active", (n, t) -> n.node().spec().availability() == NodeAvailability.ACTIVE);

    /** Every constraint of the task's placement holds. */
    Filter CONSTRAINTS = new Named(
            "scheduling constraints not satisfied",
            (n, t) -> t.spec().placement().allows(n.node()));

    /** The node has room for the task's reservations (nodes that report no resources only take tasks reserving none). */
    Filter RESOURCES = new Named("insufficient resources", (n, t) -> {
        Resources wanted = t.spec().resources().reservations();
        return wanted.equals(Resources.NONE) || n.fits(wanted);
    });

    /** Host-mode published ports are free on the node. */
    Filter HOST_PORTS = new Named("host-mode port already in use", (n, t) -> {
        for (PortConfig p : t.hostPorts()) {
            if (n.hostPortInUse(p)) {
                return false;
            }
        }
        return true;
    });

    /** At most {@code maxReplicasPerNode} tasks of the service per node. */
    Filter MAX_REPLICAS = new Named("max replicas per node reached", (n, t) -> {
        long max = t.spec().placement().maxReplicasPerNode();
        return max == 0 || n.tasksOf(t.serviceId()) < max;
    });

    /** A filter made of a predicate and a reason. */
    record Named(String reason, java.util.function.BiPredicate<NodeInfo, TaskRequest> test) implements Filter {
        @Override
        public boolean accepts(NodeInfo node, TaskRequest task) {
            return test.test(node, task);
        }
    }
}
