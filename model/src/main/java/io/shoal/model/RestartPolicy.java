package io.shoal.model;

import java.time.Duration;
import java.util.Objects;

/**
 * When and how a service's stopped tasks are replaced.
 *
 * @param condition none, on-failure or any
 * @param delay wait this long before starting the replacement
 * @param maxAttempts give up after this many restarts within {@code window}; 0 = no limit
 * @param window the window over which attempts are counted; zero = unbounded
 */
public record RestartPolicy(RestartCondition condition, Duration delay, long maxAttempts, Duration window) {
    public static final RestartPolicy DEFAULT = new RestartPolicy(RestartCondition.ANY, null, 0, null);

    public RestartPolicy {
        condition = Objects.requireNonNullElse(condition, RestartCondition.ANY);
        delay = Require.nonNegative("restart delay", delay, Duration.ofSeconds(5));
        Require.atLeast("restart maxAttempts", maxAttempts, 0);
        window = Require.nonNegative("restart window", window, Duration.ZERO);
    }
}
