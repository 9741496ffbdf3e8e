package io.shoal.model;

import java.util.List;

/**
 * Where a service's tasks may and should go.
 *
 * @param constraints every one must hold on a node for it to get a task
 * @param preferences spread the tasks over these label values, in order
 * @param maxReplicasPerNode at most this many tasks of the service per node; 0 = no limit
 */
public record Placement(List<Constraint> constraints, List<PlacementPreference> preferences, long maxReplicasPerNode) {
    public static final Placement ANYWHERE = new Placement(List.of(), List.of(), 0);

    public Placement {
        constraints = Require.list(constraints);
        preferences = Require.list(preferences);
        Require.atLeast("maxReplicasPerNode", maxReplicasPerNode, 0);
    }

    /** Placement with these constraints, parsed. */
    public static Placement constraints(String... constraints) {
        return new Placement(
                java.util.Arrays.stream(constraints).map(Constraint::parse).toList(), List.of(), 0);
    }

    /** True when the node satisfies every constraint. */
    public boolean allows(Node node) {
        for (Constraint c : constraints) {
            if (!c.matches(node)) {
                return false;
            }
        }
        return true;
    }
}
