package io.shoal.agent.exec;

import io.shoal.model.ContainerSpec;
import io.shoal.model.HealthCheck;
import io.shoal.model.Resources;
import io.shoal.model.Task;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a task becomes a Docker container, worked out without the engine (so it is tested directly):
 * name, command, labels, limits and health check. The network is always {@code none} (the agent
 * wires the namespace itself) and DNS points at the embedded resolver on {@code 127.0.0.11}.
 *
 * @param name the container name: {@code shoal.<node>.<task>} (unique per engine, even when several
 *     agents share it)
 * @param image the image reference
 * @param entrypoint replaces the image's entrypoint when not empty
 * @param cmd replaces the image's command when not empty
 * @param env {@code NAME=value} entries
 * @param hostname "" for Docker's default
 * @param user "" for the image's
 * @param workdir "" for the image's
 * @param labels node, service, task and slot
 * @param dns resolvers written to the container's resolv.conf
 * @param nanoCpus CPU limit, 0 for none
 * @param memoryBytes memory limit, 0 for none
 * @param healthCheck the probe; empty to keep the image's
 */
public record ContainerSettings(
        String name,
        String image,
        List<String> entrypoint,
        List<String> cmd,
        List<String> env,
        String hostname,
        String user,
        String workdir,
        Map<String, String> labels,
        List<String> dns,
        long nanoCpus,
        long memoryBytes,
        Optional<HealthCheck> healthCheck) {
    /** Docker's embedded-DNS address, where the agent's resolver answers inside each container. */
    public static final String EMBEDDED_DNS = "127.0.0.11";

    /** The network mode of every task container: the agent brings the links. */
    public static final String NETWORK_MODE = "none";

    /** The settings of {@code task}'s container on {@code nodeId}. */
    public static ContainerSettings of(String nodeId, Task task) {
        ContainerSpec c = task.spec().container();
        Resources limits = task.spec().resources().limits();
        HealthCheck hc = c.healthCheck();
        return new ContainerSettings(
                containerName(nodeId, task.id()),
                c.image(),
                c.command(),
                c.args(),
                c.env(),
                c.hostname(),
                c.user(),
                c.workdir(),
                Labels.of(nodeId, task),
                List.of(EMBEDDED_DNS),
                limits.nanoCpus(),
                limits.memoryBytes(),
                hc.test().isEmpty() ? Optional.empty() : Optional.of(hc));
    }

    /** The container name of a task on a node. */
    public static String containerName(String nodeId, String taskId) {
        return "shoal." + nodeId + "." + taskId;
    }
}
