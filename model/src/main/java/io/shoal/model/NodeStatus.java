package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Objects;

/**
 * What the control plane observed about a node.
 *
 * @param state ready while its member record exists, down after it vanished
 * @param message why, for people
 * @param since when the node entered this state
 * @param ingressAddress the node's own address on the {@code ingress} network, with the network's
 *     prefix (e.g. {@code 100.64.0.3/24}), given by the leader's allocator; null until allocated. It
 *     is kept across state changes and only given back when the node is removed.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeStatus(NodeState state, String message, Instant since, Cidr ingressAddress) {
    public NodeStatus {
        state = Objects.requireNonNullElse(state, NodeState.UNKNOWN);
        message = message == null ? "" : message;
        since = Objects.requireNonNullElse(since, Instant.EPOCH);
    }

    /** A status without an ingress address yet. */
    public NodeStatus(NodeState state, String message, Instant since) {
        this(state, message, since, null);
    }

    public static NodeStatus of(NodeState state, String message, Instant since) {
        return new NodeStatus(state, message, since, null);
    }

    /** This status moved to another state; the ingress address stays. */
    public NodeStatus moveTo(NodeState next, String why, Instant at) {
        return new NodeStatus(next, why, at, ingressAddress);
    }

    /** This status with another ingress address (null to clear it). */
    public NodeStatus withIngressAddress(Cidr value) {
        return new NodeStatus(state, message, since, value);
    }
}
