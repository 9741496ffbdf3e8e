package io.shoal.model;

import java.time.Duration;
import java.util.List;

/**
 * How a task's health is probed, in the Docker form: {@code test} is {@code []} (use the image's),
 * {@code ["NONE"]} (disabled), {@code ["CMD", exe, args...]} or {@code ["CMD-SHELL", command]}.
 *
 * @param test the probe
 * @param interval time between probes
 * @param timeout a probe taking longer fails
 * @param startPeriod failures during this start-up period do not count
 * @param retries consecutive failures that make a task unhealthy
 */
public record HealthCheck(List<String> test, Duration interval, Duration timeout, Duration startPeriod, long retries) {
    /** Use whatever the image defines. */
    public static final HealthCheck INHERIT = new HealthCheck(List.of(), null, null, null, 0);

    public HealthCheck {
        test = Require.list(test);
        if (!test.isEmpty()) {
            String kind = test.get(0);
            switch (kind) {
                case "NONE" -> {
                    if (test.size() != 1) {
                        throw new IllegalArgumentException("healthcheck test: NONE takes no arguments");
                    }
                }
                case "CMD", "CMD-SHELL" -> {
                    if (test.size() < 2 || test.get(1) == null || test.get(1).isBlank()) {
                        throw new IllegalArgumentException("healthcheck test: " + kind + " needs a command");
                    }
                }
                default -> throw new IllegalArgumentException(
                        "healthcheck test: '" + kind + "' must be NONE, CMD or CMD-SHELL");
            }
        }
        interval = Require.nonNegative("healthcheck interval", interval, Duration.ofSeconds(30));
        timeout = Require.nonNegative("healthcheck timeout", timeout, Duration.ofSeconds(30));
        startPeriod = Require.nonNegative("healthcheck startPeriod", startPeriod, Duration.ZERO);
        Require.atLeast("healthcheck retries", retries, 0);
        if (retries == 0) {
            retries = 3;
        }
    }

    /** A shell-command probe with the default timings. */
    public static HealthCheck shell(String command) {
        return new HealthCheck(List.of("CMD-SHELL", command), null, null, null, 0);
    }
}
