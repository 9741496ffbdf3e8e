package io.shoal.agent.net;

import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Store;
import io.shoal.controlplane.table.ServiceTables;
import io.shoal.model.Cidr;
import io.shoal.model.Member;
import io.shoal.model.Network;
import io.shoal.model.Node;
import io.shoal.model.Service;
import io.shoal.model.Task;
import io.shoal.model.TaskStatus;
import java.net.Inet4Address;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Builds a {@link NodeView} from the store's in-memory view (no ZooKeeper round trip). */
public final class NodeViews {
    private NodeViews() {}

    /** The view as the store holds it now; {@code version} numbers the table. */
    public static NodeView from(Store store, long version) {
        List<Network> networks = store.list(Kind.NETWORKS);
        List<Service> services = store.list(Kind.SERVICES);
        List<Task> tasks = store.list(Kind.TASKS);
        Map<String, TaskStatus> statuses = new HashMap<>();
        for (Task t : tasks) {
            store.get(Kind.STATUS, t.id()).ifPresent(s -> statuses.put(t.id(), s));
        }
        Map<String, Network> allocated = new HashMap<>();
        Network ingress = null;
        for (Network n : networks) {
            if (n.allocated()) {
                allocated.put(n.id(), n);
                if (n.spec().ingress()) {
                    ingress = n;
                }
            }
        }
        Map<String, Inet4Address> vteps = new HashMap<>();
        for (Member m : store.list(Kind.MEMBERS)) {
            underlay(m).ifPresent(a -> vteps.put(m.nodeId(), a));
        }
        Map<String, Cidr> ingressAddresses = new HashMap<>();
        for (Node n : store.list(Kind.NODES)) {
            Cidr a = n.status().ingressAddress();
            if (a != null) {
                ingressAddresses.put(n.id(), a);
            }
        }
        return new NodeView(
                ServiceTables.build(version, networks, services, tasks, statuses),
                allocated,
                Optional.ofNullable(ingress),
                vteps,
                ingressAddresses);
    }

    /** A member's first IPv4 underlay address: its VXLAN tunnel endpoint. */
    static Optional<Inet4Address> underlay(Member m) {
        for (String a : m.addresses()) {
            try {
                int ip = Cidr.parseAddress("member address", a, a);
                if (new Cidr(ip, 32).inetAddress() instanceof Inet4Address v4) {
                    return Optional.of(v4);
                }
            } catch (IllegalArgumentException e) {
                // Not an IPv4 literal (an IPv6 underlay): VXLAN here runs over IPv4.
            }
        }
        return Optional.empty();
    }
}
