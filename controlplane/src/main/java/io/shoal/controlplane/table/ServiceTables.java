package io.shoal.controlplane.table;

import io.shoal.model.Cidr;
import io.shoal.model.Meta;
import io.shoal.model.Network;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.PortConfig;
import io.shoal.model.Service;
import io.shoal.model.Task;
import io.shoal.model.TaskState;
import io.shoal.model.TaskStatus;
import io.shoal.model.VirtualIp;
import io.shoal.model.table.NetworkEntry;
import io.shoal.model.table.ServiceEntry;
import io.shoal.model.table.ServiceTable;
import io.shoal.model.table.TaskEndpoint;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the data plane's {@link ServiceTable} from the control plane's stored objects: what an
 * agent (or anyone watching ZooKeeper) serves DNS, VIPs, the routing mesh and the overlay from.
 *
 * <p>Rules:
 *
 * <ul>
 *   <li>Only allocated networks (a VNI is set) become {@link NetworkEntry}s; VIPs, aliases and task
 *       addresses on any other network are left out.
 *   <li>A service becomes a {@link ServiceEntry}: endpoint mode, one VIP per network from {@link
 *       Service#endpoint()} (address without its prefix; none in {@code dnsrr} mode), aliases from
 *       its task spec's network attachments keyed by network id (targets given by name are resolved
 *       to ids), and the resolved ports of its endpoint (published ports filled in by the allocator).
 *   <li>Its tasks are those with a node and not in a terminal state. The observed state is the
 *       furthest of the task's own status and the agent's report in {@code statuses} (states only
 *       move forward). A task is {@linkplain TaskEndpoint#ready() ready} when it is observed RUNNING
 *       <b>and</b> its desired state is RUNNING: a task told to shut down leaves DNS, VIPs and the
 *       mesh at once, before its container is stopped.
 *   <li>A task's hostname is its container's hostname when the spec sets one, else {@code
 *       <service>.<slot>.<task id>} ({@code <service>.<node id>.<task id>} for a global task), as
 *       Swarm names task containers.
 * </ul>
 *
 * <p><b>Never throws on valid but odd data.</b> Tasks whose service is gone, networks not yet
 * allocated and attachments to unknown networks are skipped. The stored state may also be briefly
 * incoherent (two objects created concurrently with one name, an address handed out again while the
 * task that held it is still shutting down after a leader failover). Rather than failing the whole
 * table, the later claimant loses, in this order of precedence: networks and services in creation
 * order (then id); service VIPs, then ready tasks, then other tasks for addresses. What loses is
 * dropped at the smallest grain: a network or service with a name already taken, a task whose
 * address is taken, an alias already used on that network, a published port already published by an
 * earlier service. Each drop is logged at debug level.
 */
public final class ServiceTables {
    private static final Logger log = LoggerFactory.getLogger(ServiceTables.class);

    private ServiceTables() {}

    /**
     * Builds a table.
     *
     * @param version the version the table carries (e.g. the highest store version seen)
     * @param networks all networks; unallocated ones are skipped
     * @param services all services
     * @param tasks all tasks, of any service; terminal or unassigned ones are skipped
     * @param statuses the agents' status reports by task id (may lack any task)
     * @return a coherent table; never null, never throws on stored data
     */
    public static ServiceTable build(
            long version,
            Collection<Network> networks,
            Collection<Service> services,
            Collection<Task> tasks,
            Map<String, TaskStatus> statuses) {
        Map<String, TaskStatus> reports = statuses == null ? Map.of() : statuses;
        Map<String, Network> nets = allocatedNetworks(networks == null ? List.of() : networks);
        Map<String, List<Task>> tasksByService = new HashMap<>();
        for (Task t : tasks == null ? List.<Task>of() : tasks) {
            if (t != null) {
                tasksByService
                        .computeIfAbsent(t.serviceId(), k -> new ArrayList<>())
                        .add(t);
            }
        }
        List<Draft> drafts = drafts(nets, services == null ? List.of() : services, tasksByService, reports);
        claimAddresses(drafts);
        List<NetworkEntry> netEntries = new ArrayList<>();
        nets.values().forEach(n -> netEntries.add(new NetworkEntry(n.id(), n.name(), n.vni())));
        List<ServiceEntry> entries = new ArrayList<>();
        for (Draft d : drafts) {
            entries.add(d.entry());
        }
        try {
            return new ServiceTable(version, netEntries, entries);
        } catch (IllegalArgumentException e) {
            // A conflict the rules above do not foresee: add services one by one, keeping those that fit.
            log.debug("service table: {}; adding services one by one", e.getMessage());
            return oneByOne(version, netEntries, entries);
        }
    }

    /** The hostname a task's container gets when its spec sets none, as Swarm names it. */
    public static String defaultHostname(String serviceName, Task task) {
        String slot = task.slot() > 0 ? Integer.toString(task.slot()) : task.nodeId();
        return serviceName + "." + slot + "." + task.id();
    }

    /** The furthest state known of a task: its own record or the agent's report. */
    public static TaskState observed(Task task, TaskStatus reported) {
        TaskState own = task.status().state();
        return reported != null && reported.state().ordinal() > own.ordinal() ? reported.state() : own;
    }

    private static Map<String, Network> allocatedNetworks(Collection<Network> networks) {
        Map<String, Network> byId = new LinkedHashMap<>();
        Set<String> names = new HashSet<>();
        for (Network n : sortedByCreation(networks, Network::meta)) {
            if (!n.allocated() || byId.containsKey(n.id())) {
                continue;
            }
            if (!names.add(key(n.name()))) {
                log.debug("service table: network {} skipped: name '{}' already taken", n.id(), n.name());
                continue;
            }
            byId.put(n.id(), n);
        }
        return byId;
    }

    /** A service entry under construction: its tasks may still lose their addresses. */
    private static final class Draft {
        final Service service;
        final Map<String, InetAddress> vips = new LinkedHashMap<>();
        final Map<String, Set<String>> aliases = new LinkedHashMap<>();
        final List<PortConfig> ports = new ArrayList<>();
        final List<TaskEndpoint> tasks = new ArrayList<>();

        Draft(Service service) {
            this.service = service;
        }

        ServiceEntry entry() {
            return new ServiceEntry(
                    service.id(), service.name(), service.spec().endpoint().mode(), vips, aliases, ports, tasks);
        }
    }

    private static List<Draft> drafts(
            Map<String, Network> nets,
            Collection<Service> services,
            Map<String, List<Task>> tasksByService,
            Map<String, TaskStatus> reports) {
        Map<String, String> idsByName = new HashMap<>();
        nets.values().forEach(n -> idsByName.put(n.name(), n.id()));
        Set<String> serviceIds = new HashSet<>();
        Set<String> serviceNames = new HashSet<>();
        Map<String, Set<String>> aliasesTaken = new HashMap<>();
        Map<String, String> portsTaken = new HashMap<>();
        List<Draft> drafts = new ArrayList<>();
        for (Service s : sortedByCreation(services, Service::meta)) {
            if (!serviceIds.add(s.id())) {
                continue;
            }
            if (!serviceNames.add(key(s.name()))) {
                log.debug("service table: service {} skipped: name '{}' already taken", s.id(), s.name());
                continue;
            }
            Draft d = new Draft(s);
            for (VirtualIp vip : s.endpoint().virtualIps()) {
                if (nets.containsKey(vip.networkId())) {
                    d.vips.put(vip.networkId(), vip.address().inetAddress());
                }
            }
            for (NetworkAttachmentConfig att : s.spec().task().networks()) {
                String netId = nets.containsKey(att.target()) ? att.target() : idsByName.get(att.target());
                if (netId == null || att.aliases().isEmpty()) {
                    continue;
                }
                Set<String> taken = aliasesTaken.computeIfAbsent(netId, k -> new HashSet<>());
                for (String alias : att.aliases()) {
                    if (taken.add(key(alias))) {
                        d.aliases
                                .computeIfAbsent(netId, k -> new LinkedHashSet<>())
                                .add(alias);
                    } else {
                        log.debug(
                                "service table: alias '{}' of service {} on {} skipped: already used",
                                alias,
                                s.name(),
                                netId);
                    }
                }
            }
            for (PortConfig p : s.endpoint().ports()) {
                if (p.isPublished()) {
                    String portKey = p.publishedPort() + "/" + p.protocol();
                    String holder = portsTaken.putIfAbsent(portKey, s.name());
                    if (holder != null) {
                        log.debug(
                                "service table: port {} of service {} skipped: published by {}",
                                portKey,
                                s.name(),
                                holder);
                        continue;
                    }
                }
                d.ports.add(p);
            }
            List<Task> mine = new ArrayList<>(tasksByService.getOrDefault(s.id(), List.of()));
            mine.sort(Comparator.comparingInt(Task::slot)
                    .thenComparing(Task::nodeId)
                    .thenComparing(Task::id));
            for (Task t : mine) {
                TaskState observed = observed(t, reports.get(t.id()));
                if (observed.isTerminal() || t.nodeId().isEmpty()) {
                    continue;
                }
                Map<String, InetAddress> addresses = new LinkedHashMap<>();
                for (Map.Entry<String, Cidr> a : t.addresses().entrySet()) {
                    if (nets.containsKey(a.getKey())) {
                        addresses.put(a.getKey(), a.getValue().inetAddress());
                    }
                }
                boolean ready = observed == TaskState.RUNNING && t.desiredState() == TaskState.RUNNING;
                String hostname = t.spec().container().hostname();
                if (hostname.isEmpty()) {
                    hostname = defaultHostname(s.name(), t);
                }
                d.tasks.add(new TaskEndpoint(t.id(), t.slot(), t.nodeId(), hostname, addresses, ready));
            }
            drafts.add(d);
        }
        return drafts;
    }

    /**
     * Gives each address one owner: VIPs first, then ready tasks, then the others; a task whose
     * address is already owned is dropped (it cannot be reached unambiguously anyway).
     */
    private static void claimAddresses(List<Draft> drafts) {
        Set<InetAddress> owned = new HashSet<>();
        for (Draft d : drafts) {
            d.vips.entrySet().removeIf(e -> {
                boolean taken = !owned.add(e.getValue());
                if (taken) {
                    log.debug(
                            "service table: VIP {} of {} skipped: address already owned",
                            e.getValue().getHostAddress(),
                            d.service.name());
                }
                return taken;
            });
        }
        for (boolean readyPass : new boolean[] {true, false}) {
            for (Draft d : drafts) {
                d.tasks.removeIf(t -> {
                    if (t.ready() != readyPass) {
                        return false;
                    }
                    for (InetAddress a : t.addresses().values()) {
                        if (owned.contains(a)) {
                            log.debug(
                                    "service table: task {} skipped: address {} already owned",
                                    t.taskId(),
                                    a.getHostAddress());
                            return true;
                        }
                    }
                    owned.addAll(t.addresses().values());
                    return false;
                });
            }
        }
    }

    private static ServiceTable oneByOne(long version, List<NetworkEntry> networks, List<ServiceEntry> services) {
        List<ServiceEntry> kept = new ArrayList<>();
        for (ServiceEntry s : services) {
            kept.add(s);
            try {
                new ServiceTable(version, networks, kept);
            } catch (IllegalArgumentException e) {
                kept.remove(kept.size() - 1);
                log.debug("service table: service {} skipped: {}", s.name(), e.getMessage());
            }
        }
        try {
            return new ServiceTable(version, networks, kept);
        } catch (IllegalArgumentException e) {
            // Only the networks themselves can be at fault now; they were deduplicated above.
            return new ServiceTable(version, List.of(), List.of());
        }
    }

    private static <T> List<T> sortedByCreation(Collection<T> values, Function<T, Meta> meta) {
        List<T> out = new ArrayList<>();
        for (T v : values) {
            if (v != null) {
                out.add(v);
            }
        }
        out.sort(Comparator.comparing((T v) -> meta.apply(v).createdAt())
                .thenComparing(v -> meta.apply(v).id()));
        return out;
    }

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
