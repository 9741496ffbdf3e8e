package io.shoal.model;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The part of a service spec that every task carries (Docker's {@code TaskTemplate}); a task keeps
 * the copy it was made from, so a rolling update can tell old tasks from new ones.
 *
 * @param container what runs
 * @param resources reservations and limits
 * @param restartPolicy when stopped tasks are replaced
 * @param placement constraints and preferences
 * @param networks the networks the task joins, with aliases
 * @param forceUpdate a counter (Docker's {@code ForceUpdate}): raising it changes the template
 *     without changing anything else, so every task is replaced by a rolling update
 */
public record TaskSpec(
        ContainerSpec container,
        ResourceRequirements resources,
        RestartPolicy restartPolicy,
        Placement placement,
        List<NetworkAttachmentConfig> networks,
        Long forceUpdate) {
    public TaskSpec {
        forceUpdate = Objects.requireNonNullElse(forceUpdate, 0L);
        if (forceUpdate < 0) {
            throw new IllegalArgumentException("forceUpdate: " + forceUpdate + " must be >= 0");
        }
        Require.notNull("container", container);
        resources = Objects.requireNonNullElse(resources, ResourceRequirements.NONE);
        restartPolicy = Objects.requireNonNullElse(restartPolicy, RestartPolicy.DEFAULT);
        placement = Objects.requireNonNullElse(placement, Placement.ANYWHERE);
        networks = Require.list(networks);
        Set<String> seen = new HashSet<>();
        for (NetworkAttachmentConfig n : networks) {
            if (!seen.add(n.target())) {
                throw new IllegalArgumentException("networks: '" + n.target() + "' is listed twice");
            }
        }
    }

    /** A task spec that was never force-updated. */
    public TaskSpec(
            ContainerSpec container,
            ResourceRequirements resources,
            RestartPolicy restartPolicy,
            Placement placement,
            List<NetworkAttachmentConfig> networks) {
        this(container, resources, restartPolicy, placement, networks, 0L);
    }

    /** A task running {@code image} with every default. */
    public static TaskSpec of(String image) {
        return new TaskSpec(ContainerSpec.of(image), null, null, null, null);
    }

    public TaskSpec withContainer(ContainerSpec value) {
        return new TaskSpec(value, resources, restartPolicy, placement, networks, forceUpdate);
    }

    public TaskSpec withResources(ResourceRequirements value) {
        return new TaskSpec(container, value, restartPolicy, placement, networks, forceUpdate);
    }

    public TaskSpec withRestartPolicy(RestartPolicy value) {
        return new TaskSpec(container, resources, value, placement, networks, forceUpdate);
    }

    public TaskSpec withPlacement(Placement value) {
        return new TaskSpec(container, resources, restartPolicy, value, networks, forceUpdate);
    }

    public TaskSpec withNetworks(List<NetworkAttachmentConfig> value) {
        return new TaskSpec(container, resources, restartPolicy, placement, value, forceUpdate);
    }

    /** This template with the force-update counter raised by one: every task will be replaced. */
    public TaskSpec forced() {
        return new TaskSpec(container, resources, restartPolicy, placement, networks, forceUpdate + 1);
    }

    public TaskSpec withForceUpdate(long value) {
        return new TaskSpec(container, resources, restartPolicy, placement, networks, value);
    }
}
