package io.shoal.model;

import java.util.Map;
import java.util.Objects;

/**
 * What an operator decides about a node.
 *
 * @param name an optional name ("" when none)
 * @param role manager or worker
 * @param availability active, pause or drain
 * @param labels operator labels, matched by {@code node.labels.<key>} constraints
 */
public record NodeSpec(String name, NodeRole role, NodeAvailability availability, Map<String, String> labels) {
    public NodeSpec {
        name = name == null ? "" : name;
        if (!name.isEmpty()) {
            Require.name("node name", name, 128);
        }
        role = Objects.requireNonNullElse(role, NodeRole.WORKER);
        availability = Objects.requireNonNullElse(availability, NodeAvailability.ACTIVE);
        labels = Require.labels("node labels", labels);
    }

    public NodeSpec withAvailability(NodeAvailability value) {
        return new NodeSpec(name, role, value, labels);
    }

    public NodeSpec withRole(NodeRole value) {
        return new NodeSpec(name, value, availability, labels);
    }

    public NodeSpec withLabels(Map<String, String> value) {
        return new NodeSpec(name, role, availability, value);
    }
}
