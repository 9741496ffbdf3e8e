package io.shoal.model;

import java.util.Map;
import java.util.Objects;

/**
 * What the user asked for a service. The system never changes a spec; it records what it did in the
 * service's {@link ServiceEndpoint} and in tasks.
 *
 * @param name unique service name, also its DNS name: {@code [a-zA-Z0-9][a-zA-Z0-9_.-]*}, at most
 *     63 characters
 * @param labels user labels
 * @param task what each task runs, with resources, restart policy, placement and networks
 * @param mode replicated with replicas, or global
 * @param update how updates roll out
 * @param rollback how rollbacks roll out
 * @param endpoint VIP or DNS round robin, and the ports
 */
public record ServiceSpec(
        String name,
        Map<String, String> labels,
        TaskSpec task,
        ServiceMode mode,
        UpdateConfig update,
        UpdateConfig rollback,
        EndpointSpec endpoint) {
    public ServiceSpec {
        Require.name("service name", name, 63);
        labels = Require.labels("service labels", labels);
        Require.notNull("task", task);
        mode = Objects.requireNonNullElse(mode, ServiceMode.replicated(1));
        update = Objects.requireNonNullElse(update, UpdateConfig.DEFAULT);
        rollback = Objects.requireNonNullElse(rollback, UpdateConfig.DEFAULT);
        endpoint = Objects.requireNonNullElse(endpoint, EndpointSpec.DEFAULT);
    }

    /** A replicated service with defaults for everything else. */
    public static ServiceSpec replicated(String name, String image, long replicas) {
        return new ServiceSpec(name, Map.of(), TaskSpec.of(image), ServiceMode.replicated(replicas), null, null, null);
    }

    /** A global service with defaults for everything else. */
    public static ServiceSpec global(String name, String image) {
        return new ServiceSpec(name, Map.of(), TaskSpec.of(image), ServiceMode.GLOBAL, null, null, null);
    }

    public ServiceSpec withTask(TaskSpec value) {
        return new ServiceSpec(name, labels, value, mode, update, rollback, endpoint);
    }

    public ServiceSpec withMode(ServiceMode value) {
        return new ServiceSpec(name, labels, task, value, update, rollback, endpoint);
    }

    public ServiceSpec withReplicas(long replicas) {
        return withMode(ServiceMode.replicated(replicas));
    }

    public ServiceSpec withUpdate(UpdateConfig value) {
        return new ServiceSpec(name, labels, task, mode, value, rollback, endpoint);
    }

    public ServiceSpec withRollback(UpdateConfig value) {
        return new ServiceSpec(name, labels, task, mode, update, value, endpoint);
    }

    public ServiceSpec withEndpoint(EndpointSpec value) {
        return new ServiceSpec(name, labels, task, mode, update, rollback, value);
    }

    public ServiceSpec withLabels(Map<String, String> value) {
        return new ServiceSpec(name, value, task, mode, update, rollback, endpoint);
    }
}
