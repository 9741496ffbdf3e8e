package io.shoal.model;

import java.time.Duration;
import java.util.Objects;

/**
 * How a rolling update (or a rollback) replaces a service's tasks.
 *
 * @param parallelism how many tasks change at once; 0 = all at once
 * @param delay wait between batches
 * @param failureAction what to do when too many updated tasks fail
 * @param monitor how long an updated task is watched for failure
 * @param maxFailureRatio the share of updated tasks allowed to fail, 0..1
 * @param order stop-first or start-first
 */
public record UpdateConfig(
        long parallelism,
        Duration delay,
        FailureAction failureAction,
        Duration monitor,
        double maxFailureRatio,
        UpdateOrder order) {
    public static final UpdateConfig DEFAULT = new UpdateConfig(1, null, null, null, 0, null);

    public UpdateConfig {
        Require.atLeast("parallelism", parallelism, 0);
        delay = Require.nonNegative("update delay", delay, Duration.ZERO);
        failureAction = Objects.requireNonNullElse(failureAction, FailureAction.PAUSE);
        monitor = Require.nonNegative("update monitor", monitor, Duration.ofSeconds(5));
        Require.between("maxFailureRatio", maxFailureRatio, 0.0, 1.0);
        order = Objects.requireNonNullElse(order, UpdateOrder.STOP_FIRST);
    }
}
