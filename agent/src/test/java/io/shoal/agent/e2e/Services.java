package io.shoal.agent.e2e;

import io.shoal.model.ContainerSpec;
import io.shoal.model.EndpointSpec;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.PortConfig;
import io.shoal.model.ServiceSpec;
import java.time.Duration;
import java.util.List;

/** Service specs the end-to-end tests and the demo use, built from the model's records. */
public final class Services {
    /**
     * How long a stopping task gets before SIGKILL. busybox {@code httpd} runs as the container's pid
     * 1, which ignores SIGTERM without a handler, so every stop would otherwise take Docker's 10 s.
     */
    public static final Duration STOP_GRACE = Duration.ofSeconds(1);

    private Services() {}

    /**
     * {@code replicas} tasks of busybox {@code httpd -f -p 80} serving {@code /index.html}, which holds
     * the container's host name: an answer tells which replica gave it.
     */
    public static ServiceSpec httpd(String name, int replicas) {
        return of(name, replicas, "hostname > /index.html && exec httpd -f -p 80 -h /");
    }

    /** {@code replicas} idle tasks (a shell that waits and exits on SIGTERM), e.g. a client to exec into. */
    public static ServiceSpec idle(String name, int replicas) {
        return of(name, replicas, "trap 'exit 0' TERM; while true; do sleep 1; done");
    }

    /** {@code replicas} tasks of {@code sh -c script} in the test image, stopped with {@link #STOP_GRACE}. */
    public static ServiceSpec of(String name, int replicas, String script) {
        ContainerSpec c = ContainerSpec.of(ShoalCluster.IMAGE).withArgs(List.of("sh", "-c", script));
        c = new ContainerSpec(
                c.image(),
                c.command(),
                c.args(),
                c.env(),
                c.hostname(),
                c.user(),
                c.workdir(),
                c.healthCheck(),
                STOP_GRACE);
        ServiceSpec spec = ServiceSpec.replicated(name, ShoalCluster.IMAGE, replicas);
        return spec.withTask(spec.task().withContainer(c));
    }

    /** {@code spec} publishing {@code published} on every node (ingress mode) to {@code target} in the tasks. */
    public static ServiceSpec published(ServiceSpec spec, int published, int target) {
        return spec.withEndpoint(EndpointSpec.ports(PortConfig.ingress(published, target)));
    }

    /** {@code spec} attached to the networks named {@code networks}. */
    public static ServiceSpec on(ServiceSpec spec, String... networks) {
        return spec.withTask(spec.task()
                .withNetworks(List.of(networks).stream()
                        .map(n -> NetworkAttachmentConfig.of(n))
                        .toList()));
    }
}
