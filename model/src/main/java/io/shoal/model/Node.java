package io.shoal.model;

import java.util.Objects;

/**
 * A host of the cluster, stored at {@code /shoal/nodes/<id>}.
 *
 * @param meta id and version index
 * @param spec what the operator asked (role, availability, labels)
 * @param description what the agent reported (hostname, addresses, resources)
 * @param status what the control plane observed (ready, down)
 */
public record Node(Meta meta, NodeSpec spec, NodeDescription description, NodeStatus status)
        implements Versioned<Node> {
    public Node {
        Require.notNull("node meta", meta);
        Require.notNull("node spec", spec);
        Require.notNull("node description", description);
        status = Objects.requireNonNullElse(status, new NodeStatus(NodeState.UNKNOWN, "", meta.createdAt()));
    }

    @Override
    public Node withMeta(Meta value) {
        return new Node(value, spec, description, status);
    }

    public Node withSpec(NodeSpec value) {
        return new Node(meta, value, description, status);
    }

    public Node withDescription(NodeDescription value) {
        return new Node(meta, spec, value, status);
    }

    public Node withStatus(NodeStatus value) {
        return new Node(meta, spec, description, value);
    }

    /** True when the node is ready and active: the scheduler may give it new tasks. */
    public boolean schedulable() {
        return status.state() == NodeState.READY && spec.availability() == NodeAvailability.ACTIVE;
    }
}
