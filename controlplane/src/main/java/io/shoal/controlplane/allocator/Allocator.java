package io.shoal.controlplane.allocator;

import io.shoal.controlplane.ingress.Ingress;
import io.shoal.model.Cidr;
import io.shoal.model.ClusterSpec;
import io.shoal.model.EndpointMode;
import io.shoal.model.Network;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.Node;
import io.shoal.model.PortConfig;
import io.shoal.model.PublishMode;
import io.shoal.model.Service;
import io.shoal.model.ServiceEndpoint;
import io.shoal.model.Task;
import io.shoal.model.VirtualIp;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The allocator's state for the whole cluster: subnets and VNIs of networks, one VIP per service
 * per network, task addresses, each node's address on the ingress network, and ingress published
 * ports. Pure bookkeeping, safe to call from several threads; the caller stores each result with its
 * object. A new leader first {@link #restore restores} everything already allocated, so nothing is
 * handed out twice across a failover.
 *
 * <p>A service that publishes ports in ingress mode also gets a VIP on the ingress network ({@link
 * Ingress#taskSpec}), as its tasks get an address there.
 */
public final class Allocator {
    private final SubnetAllocator subnets;
    private final VniAllocator vnis;
    private final PortAllocator ports;
    private final Map<String, AddressPool> pools = new HashMap<>();
    private final Map<String, Network> networks = new HashMap<>();
    /** Node id → its address on the ingress network (owner {@code node:<id>} in the pool). */
    private final Map<String, Cidr> nodeAddresses = new HashMap<>();

    public Allocator(ClusterSpec cluster) {
        this.subnets = new SubnetAllocator(cluster.defaultAddressPools(), cluster.subnetSize());
        this.vnis = new VniAllocator(cluster.firstVni());
        this.ports = new PortAllocator(cluster.portRangeStart(), cluster.portRangeEnd());
    }

    /**
     * Gives a network its VNI, subnet and gateway, or records them if it already has them. Asking
     * again for the same network id gives the same answer. On a refusal nothing is kept.
     */
    public synchronized Network allocate(Network network) {
        String name = network.spec().name();
        Network known = networks.get(network.id());
        if (!network.allocated() && known != null) {
            // Asked again from a view that lags the stored allocation: same answer.
            return network.withAllocation(known.vni(), known.subnet(), known.gateway());
        }
        if (network.allocated()) {
            if (known != null) {
                if (known.vni() == network.vni() && known.subnet().equals(network.subnet())) {
                    return network;
                }
                throw new AllocationException("network '" + name + "' is allocated as vni " + known.vni() + " "
                        + known.subnet() + ", not vni " + network.vni() + " " + network.subnet());
            }
            subnets.reserve(network.id(), name, network.subnet());
            try {
                vnis.reserve(network.vni(), name);
            } catch (AllocationException e) {
                subnets.release(network.id());
                throw e;
            }
            pools.computeIfAbsent(network.id(), id -> new AddressPool(name, network.subnet()));
            networks.put(network.id(), network);
            return network;
        }
        Cidr subnet = network.spec().subnet() != null
                ? subnets.reserve(network.id(), name, network.spec().subnet())
                : subnets.allocate(network.id(), name);
        int vni = vnis.allocate(name);
        AddressPool pool = new AddressPool(name, subnet);
        Cidr gateway = pool.gateway();
        if (network.spec().gateway() != null && !network.spec().gateway().equals(gateway)) {
            gateway = pool.reserve(network.spec().gateway(), "gateway");
        }
        pools.put(network.id(), pool);
        Network done = network.withAllocation(vni, subnet, gateway);
        networks.put(network.id(), done);
        return done;
    }

    /** Frees a network's subnet and VNI (its services and tasks must be gone). */
    public synchronized void release(Network network) {
        if (network.allocated()) {
            subnets.release(network.id());
            vnis.release(network.vni());
        }
        pools.remove(network.id());
        networks.remove(network.id());
    }

    /**
     * The cluster's ingress network among the allocated networks this allocator knows ({@link
     * Ingress#find}), or null.
     */
    public synchronized Network ingressNetwork() {
        return Ingress.find(networks.values());
    }

    /**
     * Gives a service one VIP per network (vip mode) and its ingress published ports, keeping what
     * it already has; a service publishing ingress ports also gets a VIP on {@link
     * #ingressNetwork()}.
     *
     * @param networks resolves a network target (id or name) to an allocated network
     */
    public synchronized ServiceEndpoint allocate(Service service, Function<String, Network> networks) {
        return allocate(service, networks, ingressNetwork());
    }

    /**
     * Gives a service one VIP per network (vip mode) and its ingress published ports, keeping what
     * it already has.
     *
     * @param networks resolves a network target (id or name) to an allocated network
     * @param ingress the ingress network a service publishing ingress ports is attached to, or null
     */
    public synchronized ServiceEndpoint allocate(Service service, Function<String, Network> networks, Network ingress) {
        String name = service.spec().name();
        ServiceEndpoint had = service.endpoint();
        List<VirtualIp> vips = new ArrayList<>();
        List<Runnable> undo = new ArrayList<>();
        try {
            if (service.spec().endpoint().mode() == EndpointMode.VIP) {
                for (NetworkAttachmentConfig att :
                        Ingress.taskSpec(service.spec(), ingress).networks()) {
                    Network net = resolve(networks, att.target(), name);
                    AddressPool pool = pool(net);
                    Cidr existing = had.vipOn(net.id());
                    Cidr vip = existing != null
                            ? pool.reserve(existing, vipOwner(service))
                            : pool.allocate(vipOwner(service));
                    if (existing == null) {
                        undo.add(() -> pool.release(vip));
                    }
                    vips.add(new VirtualIp(net.id(), vip));
                }
            }
            List<PortConfig> resolved = new ArrayList<>();
            for (PortConfig p : service.spec().endpoint().ports()) {
                // Host-mode ports bind per node: the scheduler checks them, not this cluster-wide map.
                if (p.publishMode() != PublishMode.INGRESS) {
                    resolved.add(p);
                    continue;
                }
                int wanted = p.publishedPort() != 0 ? p.publishedPort() : previouslyPublished(had, p);
                boolean wasFree = ports.ownerOf(p.protocol(), wanted) == null;
                int got = ports.allocate(name, p.protocol(), wanted);
                if (wanted == 0 || wasFree) {
                    undo.add(() -> ports.release(name, p.protocol(), got));
                }
                // Every other field (traffic policy, PROXY settings) stays as the spec says.
                resolved.add(p.withPublishedPort(got));
            }
            ServiceEndpoint now = new ServiceEndpoint(resolved, vips);
            releaseDropped(service, had, now);
            return now;
        } catch (RuntimeException e) {
            for (int i = undo.size() - 1; i >= 0; i--) {
                undo.get(i).run();
            }
            throw e;
        }
    }

    /** After an update: frees the VIPs and ports the service had but no longer uses. */
    private void releaseDropped(Service service, ServiceEndpoint had, ServiceEndpoint now) {
        for (VirtualIp vip : had.virtualIps()) {
            if (!now.virtualIps().contains(vip)) {
                AddressPool pool = pools.get(vip.networkId());
                if (pool != null && vipOwner(service).equals(pool.ownerOf(vip.address()))) {
                    pool.release(vip.address());
                }
            }
        }
        for (PortConfig p : had.ports()) {
            boolean kept = now.ports().stream()
                    .anyMatch(q -> q.protocol() == p.protocol() && q.publishedPort() == p.publishedPort());
            if (p.publishMode() == PublishMode.INGRESS && p.isPublished() && !kept) {
                ports.release(service.spec().name(), p.protocol(), p.publishedPort());
            }
        }
    }

    /** Frees a service's VIPs and published ports. */
    public synchronized void release(Service service) {
        for (VirtualIp vip : service.endpoint().virtualIps()) {
            AddressPool pool = pools.get(vip.networkId());
            if (pool != null && vipOwner(service).equals(pool.ownerOf(vip.address()))) {
                pool.release(vip.address());
            }
        }
        for (PortConfig p : service.endpoint().ports()) {
            if (p.publishMode() == PublishMode.INGRESS && p.isPublished()) {
                ports.release(service.spec().name(), p.protocol(), p.publishedPort());
            }
        }
    }

    /**
     * Gives a task an address on each of its networks, keeping those it already has.
     *
     * @return addresses keyed by network id
     */
    public synchronized Map<String, Cidr> allocate(Task task, Function<String, Network> networks) {
        Map<String, Cidr> out = new LinkedHashMap<>();
        List<Runnable> undo = new ArrayList<>();
        try {
            for (NetworkAttachmentConfig att : task.spec().networks()) {
                Network net = resolve(networks, att.target(), "task " + task.id());
                AddressPool pool = pool(net);
                Cidr existing = task.addresses().get(net.id());
                Cidr ip = existing != null ? pool.reserve(existing, task.id()) : pool.allocate(task.id());
                if (existing == null) {
                    undo.add(() -> pool.release(ip));
                }
                out.put(net.id(), ip);
            }
            return out;
        } catch (RuntimeException e) {
            for (int i = undo.size() - 1; i >= 0; i--) {
                undo.get(i).run();
            }
            throw e;
        }
    }

    /** Frees a task's addresses. */
    public synchronized void release(Task task) {
        for (Map.Entry<String, Cidr> e : task.addresses().entrySet()) {
            AddressPool pool = pools.get(e.getKey());
            if (pool != null && task.id().equals(pool.ownerOf(e.getValue()))) {
                pool.release(e.getValue());
            }
        }
    }

    /**
     * Gives a node its address on the ingress network, or keeps the one it has. Asking again for
     * the same node gives the same answer.
     *
     * @param nodeId the node
     * @param had the address stored with the node, or null; kept when it lies in the ingress
     *     subnet and is not held by anyone else
     * @throws AllocationException when there is no allocated ingress network or no free address
     */
    public synchronized Cidr allocateNode(String nodeId, Cidr had) {
        Network ingress = ingressNetwork();
        if (ingress == null) {
            throw new AllocationException("node " + nodeId + ": there is no allocated ingress network yet");
        }
        AddressPool pool = pool(ingress);
        String owner = nodeOwner(nodeId);
        Cidr known = nodeAddresses.get(nodeId);
        if (known != null && owner.equals(pool.ownerOf(known)) && pool.subnet().contains(known.address())) {
            return known;
        }
        Cidr got = null;
        if (had != null && pool.subnet().contains(had.address())) {
            try {
                got = pool.reserve(had, owner);
            } catch (AllocationException e) {
                // Held by someone else (a state the store should never show): give a new one.
            }
        }
        if (got == null) {
            got = pool.allocate(owner);
        }
        nodeAddresses.put(nodeId, got);
        return got;
    }

    /** Frees a node's ingress address (the node was removed). */
    public synchronized void releaseNode(String nodeId) {
        Cidr had = nodeAddresses.remove(nodeId);
        Network ingress = ingressNetwork();
        if (had == null || ingress == null) {
            return;
        }
        AddressPool pool = pools.get(ingress.id());
        if (pool != null && nodeOwner(nodeId).equals(pool.ownerOf(had))) {
            pool.release(had);
        }
    }

    /** The ingress address recorded for a node, or null. */
    public synchronized Cidr nodeAddress(String nodeId) {
        return nodeAddresses.get(nodeId);
    }

    /** Records everything already allocated, as found in the store (without nodes). */
    public synchronized void restore(List<Network> networks, List<Service> services, List<Task> tasks) {
        restore(networks, services, tasks, List.of());
    }

    /**
     * Records everything already allocated, as found in the store (a new leader's first step): the
     * networks, then the nodes' ingress addresses, the services' VIPs and published ports, and the
     * live tasks' addresses. A node whose stored ingress address cannot be recorded (outside the
     * ingress subnet, or held twice) is left out and gets a new one from {@link #allocateNode}.
     */
    public synchronized void restore(
            List<Network> networks, List<Service> services, List<Task> tasks, Collection<Node> nodes) {
        for (Network n : networks) {
            if (n.allocated()) {
                allocate(n);
            }
        }
        Network ingress = ingressNetwork();
        AddressPool ingressPool = ingress == null ? null : pools.get(ingress.id());
        for (Node n : nodes) {
            Cidr had = n.status().ingressAddress();
            if (ingressPool != null && had != null && ingressPool.subnet().contains(had.address())) {
                try {
                    nodeAddresses.put(n.id(), ingressPool.reserve(had, nodeOwner(n.id())));
                } catch (AllocationException e) {
                    // left for allocateNode to replace
                }
            }
        }
        for (Service s : services) {
            for (VirtualIp vip : s.endpoint().virtualIps()) {
                AddressPool pool = pools.get(vip.networkId());
                if (pool != null) {
                    pool.reserve(vip.address(), vipOwner(s));
                }
            }
            for (PortConfig p : s.endpoint().ports()) {
                if (p.publishMode() == PublishMode.INGRESS && p.isPublished()) {
                    ports.allocate(s.spec().name(), p.protocol(), p.publishedPort());
                }
            }
        }
        for (Task t : tasks) {
            for (Map.Entry<String, Cidr> e : t.addresses().entrySet()) {
                AddressPool pool = pools.get(e.getKey());
                if (pool != null && !t.status().state().isTerminal()) {
                    pool.reserve(e.getValue(), t.id());
                }
            }
        }
    }

    /** The address pool of a network, for inspection. */
    public synchronized AddressPool poolOf(String networkId) {
        return pools.get(networkId);
    }

    private AddressPool pool(Network net) {
        AddressPool pool = pools.get(net.id());
        if (pool == null) {
            throw new AllocationException("network '" + net.spec().name() + "' is not allocated yet");
        }
        return pool;
    }

    private static Network resolve(Function<String, Network> networks, String target, String who) {
        Network net = networks.apply(target);
        if (net == null) {
            throw new AllocationException(who + ": network '" + target + "' not found");
        }
        return net;
    }

    private static int previouslyPublished(ServiceEndpoint had, PortConfig asked) {
        for (PortConfig p : had.ports()) {
            if (p.targetPort() == asked.targetPort() && p.protocol() == asked.protocol() && p.isPublished()) {
                return p.publishedPort();
            }
        }
        return 0;
    }

    private static String nodeOwner(String nodeId) {
        return "node:" + nodeId;
    }

    private static String vipOwner(Service service) {
        return "vip:" + service.id();
    }
}
