package io.shoal.model;

import java.time.Instant;
import java.util.Objects;

/**
 * What the control plane observed about a node.
 *
 * @param state ready while its member record exists, down after it vanished
 * @param message why, for people
 * @param since when the node entered this state
 */
public record NodeStatus(NodeState state, String message, Instant since) {
    public NodeStatus {
        state = Objects.requireNonNullElse(state, NodeState.UNKNOWN);
        message = message == null ? "" : message;
        since = Objects.requireNonNullElse(since, Instant.EPOCH);
    }

    public static NodeStatus of(NodeState state, String message, Instant since) {
        return new NodeStatus(state, message, since);
    }
}
