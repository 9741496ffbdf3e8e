package io.shoal.controlplane.ingress;

import io.shoal.model.Meta;
import io.shoal.model.Network;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.NetworkSpec;
import io.shoal.model.PortConfig;
import io.shoal.model.PublishMode;
import io.shoal.model.ServiceSpec;
import io.shoal.model.TaskSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The rules of the routing mesh's {@code ingress} network, as in Swarm: the cluster has one network
 * with {@link NetworkSpec#ingress()} set, made by the leader when it finds none; every node gets an
 * address on it; a service that publishes a port in ingress mode is attached to it implicitly (a VIP
 * there, and an address for each task, as the task's last network), so that any node's routing mesh
 * can reach the service's tasks over it. Pure functions; the orchestrator and the allocator apply
 * them.
 */
public final class Ingress {
    /** The name (and id) of the network the leader makes. */
    public static final String NAME = "ingress";

    private Ingress() {}

    /** The spec of the network the leader makes: an overlay from the default pool, ingress set. */
    public static NetworkSpec spec() {
        return new NetworkSpec(NAME, Map.of(), null, null, false, false, true, 0);
    }

    /** The network the leader makes when the cluster has none; its id is {@value #NAME}. */
    public static Network network(Instant now) {
        return Network.unallocated(Meta.created(NAME, now), spec());
    }

    /**
     * The cluster's ingress network among {@code networks}: the oldest (then lowest id) with the
     * ingress flag, or null. There is normally one; two can exist only briefly (two creates racing),
     * and every part picks the same one.
     */
    public static Network find(Collection<Network> networks) {
        return networks.stream()
                .filter(n -> n.spec().ingress())
                .min(Comparator.comparing((Network n) -> n.meta().createdAt()).thenComparing(Network::id))
                .orElse(null);
    }

    /** True when the service publishes at least one port through the routing mesh. */
    public static boolean publishes(ServiceSpec spec) {
        for (PortConfig p : spec.endpoint().ports()) {
            // A port in ingress mode is always published: 0 asks for one from the dynamic range.
            if (p.publishMode() == PublishMode.INGRESS) {
                return true;
            }
        }
        return false;
    }

    /**
     * The task spec a new task of the service carries: the service's own, with the ingress network
     * appended as the last attachment when the service publishes ingress ports (user networks keep
     * their order, so a task's first interface is on its first user network).
     *
     * @param spec the service spec
     * @param ingress the ingress network, or null when the cluster has none (nothing is added)
     */
    public static TaskSpec taskSpec(ServiceSpec spec, Network ingress) {
        TaskSpec task = spec.task();
        if (ingress == null || !publishes(spec) || attached(task, ingress)) {
            return task;
        }
        List<NetworkAttachmentConfig> nets = new ArrayList<>(task.networks());
        nets.add(NetworkAttachmentConfig.of(ingress.id()));
        return task.withNetworks(nets);
    }

    /** True when the task spec already names the network (by id or by name). */
    public static boolean attached(TaskSpec task, Network network) {
        return task.networks().stream()
                .anyMatch(a -> a.target().equals(network.id()) || a.target().equals(network.name()));
    }
}
