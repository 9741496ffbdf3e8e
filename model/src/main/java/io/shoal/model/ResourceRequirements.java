package io.shoal.model;

import java.util.Objects;

/**
 * What a task reserves on its node (the scheduler counts it) and the most it may use (the executor
 * enforces it).
 *
 * @param reservations reserved CPU and memory; {@link Resources#NONE} for none
 * @param limits upper bounds; a 0 component means unlimited
 */
public record ResourceRequirements(Resources reservations, Resources limits) {
    public static final ResourceRequirements NONE = new ResourceRequirements(Resources.NONE, Resources.NONE);

    public ResourceRequirements {
        reservations = Objects.requireNonNullElse(reservations, Resources.NONE);
        limits = Objects.requireNonNullElse(limits, Resources.NONE);
        if (limits.nanoCpus() > 0 && reservations.nanoCpus() > limits.nanoCpus()) {
            throw new IllegalArgumentException("resources: reserved nanoCpus " + reservations.nanoCpus()
                    + " exceed the limit " + limits.nanoCpus());
        }
        if (limits.memoryBytes() > 0 && reservations.memoryBytes() > limits.memoryBytes()) {
            throw new IllegalArgumentException("resources: reserved memoryBytes " + reservations.memoryBytes()
                    + " exceed the limit " + limits.memoryBytes());
        }
    }
}
