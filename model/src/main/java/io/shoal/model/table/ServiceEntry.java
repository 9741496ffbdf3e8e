package io.shoal.model.table;

import io.shoal.model.EndpointMode;
import io.shoal.model.PortConfig;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A service as the data plane sees it: where it answers and which tasks stand behind it.
 *
 * @param id the service id
 * @param name the service name
 * @param endpointMode {@code vip} (one virtual IP per network) or {@code dnsrr}
 * @param vips the service's virtual IP on each of its networks, keyed by network id (empty in
 *     {@code dnsrr} mode)
 * @param aliases extra DNS names of the service, per network id
 * @param ports the service's ports; published ones are served by the routing mesh
 * @param tasks every task of the service, ready or not
 */
public record ServiceEntry(
        String id,
        String name,
        EndpointMode endpointMode,
        Map<String, InetAddress> vips,
        Map<String, Set<String>> aliases,
        List<PortConfig> ports,
        List<TaskEndpoint> tasks) {

    public ServiceEntry {
        Checks.notBlank("service id", id);
        Checks.notBlank("service name", name);
        endpointMode = Objects.requireNonNullElse(endpointMode, EndpointMode.VIP);
        vips = Map.copyOf(vips == null ? Map.of() : vips);
        aliases = aliases == null ? Map.of() : copyAliases(aliases);
        ports = List.copyOf(ports == null ? List.of() : ports);
        tasks = List.copyOf(tasks == null ? List.of() : tasks);
    }

    /** Tasks that are running and healthy: the only ones that receive traffic. */
    public List<TaskEndpoint> readyTasks() {
        return tasks.stream().filter(TaskEndpoint::ready).toList();
    }

    /** Addresses of the ready tasks on one network, in task order. */
    public List<InetAddress> readyAddressesOn(String networkId) {
        return tasks.stream()
                .filter(TaskEndpoint::ready)
                .map(t -> t.addressOn(networkId))
                .filter(Objects::nonNull)
                .toList();
    }

    /** The networks the service is attached to: those with a VIP, an alias, or a task address. */
    public boolean isOn(String networkId) {
        return vips.containsKey(networkId)
                || aliases.containsKey(networkId)
                || tasks.stream().anyMatch(t -> t.addresses().containsKey(networkId));
    }

    /** Ports published on the routing mesh or the host. */
    public List<PortConfig> publishedPorts() {
        return ports.stream().filter(PortConfig::isPublished).toList();
    }

    private static Map<String, Set<String>> copyAliases(Map<String, Set<String>> aliases) {
        Map<String, Set<String>> copy = new java.util.HashMap<>();
        aliases.forEach((network, names) -> copy.put(network, Set.copyOf(names)));
        return Map.copyOf(copy);
    }
}
