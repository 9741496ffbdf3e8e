package io.shoal.controlplane.orchestrator;

import io.shoal.controlplane.ingress.Ingress;
import io.shoal.controlplane.scheduler.NodeInfo;
import io.shoal.controlplane.scheduler.TaskRequest;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Store;
import io.shoal.model.Network;
import io.shoal.model.Node;
import io.shoal.model.NodeAvailability;
import io.shoal.model.NodeState;
import io.shoal.model.Service;
import io.shoal.model.Task;
import io.shoal.model.TaskSpec;
import io.shoal.model.TaskState;
import io.shoal.model.TaskStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The view one orchestrator pass works from: services, networks, nodes, tasks and the agents'
 * status reports, read once from the store's cache.
 */
final class Snapshot {
    final Map<String, Service> services = new HashMap<>();
    final Map<String, Network> networks = new HashMap<>();
    final Map<String, Node> nodes = new HashMap<>();
    final Map<String, Task> tasks = new HashMap<>();
    final Map<String, TaskStatus> statuses = new HashMap<>();
    private final Map<String, Instant> lostNodes;
    private List<NodeInfo> nodeInfos;
    /** The allocated ingress network, set once the pass allocated networks; null when none. */
    Network ingress;

    /**
     * @param store the store's view
     * @param lostNodes nodes reported lost, with when; a lost node seen READY since is forgotten
     * @param own this leader's writes the view may not show yet, laid over it
     */
    Snapshot(Store store, Map<String, Instant> lostNodes, OwnWrites own) {
        this.lostNodes = lostNodes;
        store.list(Kind.SERVICES).forEach(x -> services.put(x.id(), x));
        store.list(Kind.NETWORKS).forEach(x -> networks.put(x.id(), x));
        store.list(Kind.NODES).forEach(x -> nodes.put(x.id(), x));
        store.list(Kind.TASKS).forEach(x -> tasks.put(x.id(), x));
        own.applyTo(services, tasks);
        for (String id : tasks.keySet()) {
            store.get(Kind.STATUS, id).ifPresent(st -> statuses.put(id, st));
        }
        // A lost node whose member came back is READY again: it may get work again.
        lostNodes.entrySet().removeIf(e -> {
            Node n = nodes.get(e.getKey());
            return n != null
                    && n.status().state() == NodeState.READY
                    && n.status().since().isAfter(e.getValue());
        });
    }

    Network network(String target) {
        Network byId = networks.get(target);
        if (byId != null) {
            return byId;
        }
        return networks.values().stream()
                .filter(n -> n.spec().name().equals(target))
                .findFirst()
                .orElse(null);
    }

    /** The task spec new tasks of a service carry: its own, plus ingress when it publishes ports. */
    TaskSpec taskSpec(Service service) {
        return Ingress.taskSpec(service.spec(), ingress);
    }

    /** The allocated ingress network among this view's networks, or null. */
    Network allocatedIngress() {
        return Ingress.find(
                networks.values().stream().filter(Network::allocated).toList());
    }

    List<Task> tasksOf(String serviceId) {
        return tasks.values().stream()
                .filter(t -> t.serviceId().equals(serviceId))
                .toList();
    }

    /** When a task was last reported (its end, for an ended task). */
    Instant endedAt(Task t) {
        TaskStatus reported = statuses.get(t.id());
        return reported != null
                        && reported.state().ordinal() >= t.status().state().ordinal()
                ? reported.timestamp()
                : t.status().timestamp();
    }

    /** The furthest state known: the leader's record or the agent's report. */
    TaskState observed(Task t) {
        TaskStatus reported = statuses.get(t.id());
        TaskState own = t.status().state();
        return reported != null && reported.state().ordinal() > own.ordinal() ? reported.state() : own;
    }

    /** The message of the status {@link #observed} comes from. */
    String observedMessage(Task t) {
        TaskStatus reported = statuses.get(t.id());
        return reported != null
                        && reported.state().ordinal() > t.status().state().ordinal()
                ? reported.message()
                : t.status().message();
    }

    boolean live(Task t) {
        return t.desiredState() == TaskState.RUNNING && !observed(t).isTerminal();
    }

    /** False for a task on a drained, lost or removed node: it must move. */
    boolean onUsableNode(Task t) {
        if (t.nodeId().isEmpty()) {
            return true;
        }
        if (lostNodes.containsKey(t.nodeId())) {
            return false;
        }
        Node n = nodes.get(t.nodeId());
        // A removed node (its znode deleted) is as good as lost.
        return n != null && n.spec().availability() != NodeAvailability.DRAIN;
    }

    /** Built once per pass, so placements for one service count for the next. */
    List<NodeInfo> nodeInfos() {
        if (nodeInfos == null) {
            nodeInfos = buildNodeInfos();
        }
        return nodeInfos;
    }

    private List<NodeInfo> buildNodeInfos() {
        Map<String, NodeInfo> infos = new HashMap<>();
        for (Node n : nodes.values()) {
            if (!lostNodes.containsKey(n.id())) {
                infos.put(n.id(), new NodeInfo(n));
            }
        }
        for (Task t : tasks.values()) {
            NodeInfo info = infos.get(t.nodeId());
            Service svc = services.get(t.serviceId());
            if (info != null && svc != null && live(t)) {
                info.add(TaskRequest.of(t, svc));
            }
        }
        List<NodeInfo> out = new ArrayList<>(infos.values());
        out.sort(Comparator.comparing(NodeInfo::id));
        return out;
    }
}
