package io.shoal.model;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a task runs.
 *
 * @param image the image reference; required
 * @param command replaces the image's entrypoint when not empty
 * @param args replaces the image's command when not empty
 * @param env {@code NAME=value} entries
 * @param hostname the container's hostname; "" for the default
 * @param user the user to run as; "" for the image's
 * @param workdir the working directory; "" for the image's
 * @param healthCheck the health probe; {@link HealthCheck#INHERIT} for the image's
 * @param stopGracePeriod time between SIGTERM and SIGKILL
 */
public record ContainerSpec(
        String image,
        List<String> command,
        List<String> args,
        List<String> env,
        String hostname,
        String user,
        String workdir,
        HealthCheck healthCheck,
        Duration stopGracePeriod) {
    public ContainerSpec {
        Require.notBlank("image", image);
        if (image.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("image: '" + image + "' must not contain whitespace");
        }
        command = Require.list(command);
        args = Require.list(args);
        env = Require.list(env);
        for (int i = 0; i < env.size(); i++) {
            String e = env.get(i);
            if (e == null || e.isEmpty() || e.startsWith("=")) {
                throw new IllegalArgumentException("env[" + i + "]: '" + e + "' must be NAME=value with a name");
            }
        }
        hostname = hostname == null ? "" : hostname;
        user = user == null ? "" : user;
        workdir = workdir == null ? "" : workdir;
        healthCheck = Objects.requireNonNullElse(healthCheck, HealthCheck.INHERIT);
        stopGracePeriod = Require.nonNegative("stopGracePeriod", stopGracePeriod, Duration.ofSeconds(10));
    }

    /** A container running {@code image} with its defaults. */
    public static ContainerSpec of(String image) {
        return new ContainerSpec(image, null, null, null, null, null, null, null, null);
    }

    /** This spec with other arguments. */
    public ContainerSpec withArgs(List<String> value) {
        return new ContainerSpec(image, command, value, env, hostname, user, workdir, healthCheck, stopGracePeriod);
    }

    /** This spec with another image. */
    public ContainerSpec withImage(String value) {
        return new ContainerSpec(value, command, args, env, hostname, user, workdir, healthCheck, stopGracePeriod);
    }

    /** This spec with other environment entries. */
    public ContainerSpec withEnv(List<String> value) {
        return new ContainerSpec(image, command, args, value, hostname, user, workdir, healthCheck, stopGracePeriod);
    }
}
