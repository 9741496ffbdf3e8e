package io.shoal.model;

import java.util.Map;
import java.util.Objects;

/**
 * One run of a service's container on a node, stored at {@code /shoal/tasks/<id>}. A task is never
 * moved or restarted: when it ends, the orchestrator makes a new one for the same slot.
 *
 * @param meta id and version index
 * @param serviceId the service it belongs to
 * @param serviceVersion the service version whose spec it was made from
 * @param slot the replica slot (1..replicas), or 0 for a task of a global service
 * @param nodeId the node it is assigned to; "" until scheduled (and always set for global tasks)
 * @param spec the copy of the service's task spec it runs
 * @param desiredState what the control plane wants: RUNNING, or SHUTDOWN to stop it
 * @param status the state observed by the control plane (NEW, PENDING, ASSIGNED, ...)
 * @param addresses the task's address on each network, keyed by network id, with the prefix length
 */
public record Task(
        Meta meta,
        String serviceId,
        long serviceVersion,
        int slot,
        String nodeId,
        TaskSpec spec,
        TaskState desiredState,
        TaskStatus status,
        Map<String, Cidr> addresses)
        implements Versioned<Task> {
    public Task {
        Require.notNull("task meta", meta);
        Require.id("task serviceId", serviceId);
        Require.atLeast("task serviceVersion", serviceVersion, 0);
        Require.atLeast("slot", slot, 0);
        nodeId = nodeId == null ? "" : nodeId;
        if (!nodeId.isEmpty()) {
            Require.id("task nodeId", nodeId);
        }
        if (slot == 0 && nodeId.isEmpty()) {
            throw new IllegalArgumentException("task " + meta.id() + ": slot 0 (global) needs a nodeId");
        }
        Require.notNull("task spec", spec);
        desiredState = Objects.requireNonNullElse(desiredState, TaskState.RUNNING);
        status = Objects.requireNonNullElse(status, TaskStatus.of(TaskState.NEW, meta.createdAt(), "created"));
        addresses = addresses == null ? Map.of() : Map.copyOf(addresses);
        if (status.state().compareTo(TaskState.ASSIGNED) >= 0 && !status.state().isTerminal() && nodeId.isEmpty()) {
            throw new IllegalArgumentException("task " + meta.id() + ": state " + status.state() + " needs a nodeId");
        }
    }

    /** A new task of a replicated slot, not yet scheduled. */
    public static Task forSlot(Meta meta, String serviceId, long serviceVersion, int slot, TaskSpec spec) {
        Require.atLeast("slot", slot, 1);
        return new Task(meta, serviceId, serviceVersion, slot, "", spec, TaskState.RUNNING, null, null);
    }

    /** A new task of a global service, bound to its node. */
    public static Task forNode(Meta meta, String serviceId, long serviceVersion, String nodeId, TaskSpec spec) {
        Require.id("task nodeId", nodeId);
        return new Task(meta, serviceId, serviceVersion, 0, nodeId, spec, TaskState.RUNNING, null, null);
    }

    /** This task with a new observed status; the move must be forward (see {@link TaskState}). */
    public Task withStatus(TaskStatus next) {
        status.state().checkMoveTo(next.state());
        return new Task(meta, serviceId, serviceVersion, slot, nodeId, spec, desiredState, next, addresses);
    }

    /** This task with a new desired state; desired states also only move forward. */
    public Task withDesiredState(TaskState next) {
        desiredState.checkMoveTo(next);
        return new Task(meta, serviceId, serviceVersion, slot, nodeId, spec, next, status, addresses);
    }

    /** This task assigned to a node: status ASSIGNED. */
    public Task assignedTo(String node, java.time.Instant at) {
        Require.id("task nodeId", node);
        TaskStatus next = status.moveTo(TaskState.ASSIGNED, at, "assigned to " + node);
        return new Task(meta, serviceId, serviceVersion, slot, node, spec, desiredState, next, addresses);
    }

    public Task withAddresses(Map<String, Cidr> value) {
        return new Task(meta, serviceId, serviceVersion, slot, nodeId, spec, desiredState, status, value);
    }

    @Override
    public Task withMeta(Meta value) {
        return new Task(value, serviceId, serviceVersion, slot, nodeId, spec, desiredState, status, addresses);
    }
}
