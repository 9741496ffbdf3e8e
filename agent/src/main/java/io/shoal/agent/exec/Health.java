package io.shoal.agent.exec;

/** A runtime's health as its health check last saw it. */
public enum Health {
    /** No health check: a running runtime counts as healthy. */
    NONE,
    /** The check has not passed yet. */
    STARTING,
    HEALTHY,
    UNHEALTHY;

    /** Parses Docker's {@code State.Health.Status}; null or empty means no check. */
    public static Health ofDocker(String status) {
        if (status == null || status.isEmpty() || status.equals("none")) {
            return NONE;
        }
        return switch (status) {
            case "starting" -> STARTING;
            case "healthy" -> HEALTHY;
            case "unhealthy" -> UNHEALTHY;
            default -> throw new IllegalArgumentException(
                    "health status: '" + status + "' is not one of none, starting, healthy, unhealthy");
        };
    }
}
