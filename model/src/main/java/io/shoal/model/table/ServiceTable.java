package io.shoal.model.table;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.shoal.model.PortConfig;
import io.shoal.model.Protocol;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable snapshot of "what answers where": networks, services, their VIPs, published ports
 * and tasks. Every data-plane part (DNS, balancer, routing mesh, overlay) serves from the current
 * snapshot; a new one is built off the hot path and swapped in atomically, so readers never lock.
 *
 * <p>The constructor checks the snapshot is coherent (unique names, no address owned twice, no
 * published port taken twice) and builds the lookup indexes once.
 */
public final class ServiceTable {
    private static final ServiceTable EMPTY = new ServiceTable(0, List.of(), List.of());

    private final long version;
    private final List<NetworkEntry> networks;
    private final List<ServiceEntry> services;

    private final Map<String, NetworkEntry> networksById = new HashMap<>();
    private final Map<String, NetworkEntry> networksByName = new HashMap<>();
    private final Map<String, ServiceEntry> servicesByName = new HashMap<>();
    private final Map<String, ServiceEntry> servicesById = new HashMap<>();
    private final Map<String, List<ServiceEntry>> servicesByNetwork = new HashMap<>();
    private final Map<String, Map<String, ServiceEntry>> aliasesByNetwork = new HashMap<>();
    private final Map<InetAddress, AddressOwner> owners = new HashMap<>();
    private final List<PublishedPort> publishedPorts = new ArrayList<>();

    /**
     * Builds a snapshot.
     *
     * @param version monotonically increasing version of the desired state this snapshot reflects
     * @param networks the networks
     * @param services the services with their tasks
     * @throws IllegalArgumentException when the snapshot is not coherent; the message names the
     *     conflict
     */
    @JsonCreator
    public ServiceTable(
            @JsonProperty("version") long version,
            @JsonProperty("networks") List<NetworkEntry> networks,
            @JsonProperty("services") List<ServiceEntry> services) {
        this.version = version;
        this.networks = List.copyOf(networks == null ? List.of() : networks);
        this.services = List.copyOf(services == null ? List.of() : services);
        for (NetworkEntry n : this.networks) {
            putUnique(networksById, n.id(), n, "network id");
            putUnique(networksByName, key(n.name()), n, "network name");
        }
        Map<String, PublishedPort> portKeys = new HashMap<>();
        for (ServiceEntry s : this.services) {
            putUnique(servicesById, s.id(), s, "service id");
            putUnique(servicesByName, key(s.name()), s, "service name");
            for (NetworkEntry n : this.networks) {
                if (s.isOn(n.id())) {
                    servicesByNetwork
                            .computeIfAbsent(n.id(), k -> new ArrayList<>())
                            .add(s);
                }
            }
            s.vips().forEach((net, vip) -> claim(vip, new AddressOwner(s, null, net)));
            for (TaskEndpoint t : s.tasks()) {
                t.addresses().forEach((net, ip) -> claim(ip, new AddressOwner(s, t, net)));
            }
            s.aliases().forEach((net, names) -> {
                Map<String, ServiceEntry> byAlias = aliasesByNetwork.computeIfAbsent(net, k -> new HashMap<>());
                for (String alias : names) {
                    putUnique(byAlias, key(alias), s, "alias on network " + net);
                }
            });
            for (PortConfig p : s.publishedPorts()) {
                PublishedPort published = new PublishedPort(s, p);
                PublishedPort taken = portKeys.putIfAbsent(p.publishedPort() + "/" + p.protocol(), published);
                if (taken != null) {
                    throw new IllegalArgumentException("published port " + p.publishedPort() + "/"
                            + p.protocol().json() + " is used by both "
                            + taken.service().name() + " and " + s.name());
                }
                publishedPorts.add(published);
            }
        }
    }

    /** The empty table a node serves before it has synchronised. */
    public static ServiceTable empty() {
        return EMPTY;
    }

    @JsonProperty
    public long version() {
        return version;
    }

    @JsonProperty
    public List<NetworkEntry> networks() {
        return networks;
    }

    @JsonProperty
    public List<ServiceEntry> services() {
        return services;
    }

    /** A network by id or, failing that, by name (case-insensitive). */
    public Optional<NetworkEntry> network(String idOrName) {
        NetworkEntry byId = networksById.get(idOrName);
        return byId != null ? Optional.of(byId) : Optional.ofNullable(networksByName.get(key(idOrName)));
    }

    /** A service by name, case-insensitive as DNS is. */
    public Optional<ServiceEntry> service(String name) {
        return Optional.ofNullable(servicesByName.get(key(name)));
    }

    public Optional<ServiceEntry> serviceById(String id) {
        return Optional.ofNullable(servicesById.get(id));
    }

    /** Services attached to a network, in table order. */
    public List<ServiceEntry> servicesOn(String networkId) {
        return List.copyOf(servicesByNetwork.getOrDefault(networkId, List.of()));
    }

    /**
     * The service a name denotes on one network: the service's own name if it is attached there,
     * else a network alias (case-insensitive).
     */
    public Optional<ServiceEntry> serviceOn(String name, String networkId) {
        ServiceEntry byName = servicesByName.get(key(name));
        if (byName != null && byName.isOn(networkId)) {
            return Optional.of(byName);
        }
        return Optional.ofNullable(
                aliasesByNetwork.getOrDefault(networkId, Map.of()).get(key(name)));
    }

    /** Who owns an address: a service VIP or a task (for PTR answers and diagnostics). */
    public Optional<AddressOwner> owner(InetAddress address) {
        return Optional.ofNullable(owners.get(address));
    }

    /** Every published port of every service. */
    public List<PublishedPort> publishedPorts() {
        return List.copyOf(publishedPorts);
    }

    /** The service published on a port, if any. */
    public Optional<PublishedPort> publishedPort(int port, Protocol protocol) {
        return publishedPorts.stream()
                .filter(p -> p.port().publishedPort() == port && p.port().protocol() == protocol)
                .findFirst();
    }

    private void claim(InetAddress address, AddressOwner owner) {
        AddressOwner previous = owners.putIfAbsent(address, owner);
        if (previous != null) {
            throw new IllegalArgumentException("address " + address.getHostAddress() + " is claimed by both "
                    + describe(previous) + " and " + describe(owner));
        }
    }

    private static String describe(AddressOwner owner) {
        return owner.isVip()
                ? "the VIP of " + owner.service().name()
                : "task " + owner.task().taskId() + " of " + owner.service().name();
    }

    private static <V> void putUnique(Map<String, V> map, String key, V value, String what) {
        if (map.putIfAbsent(key, value) != null) {
            throw new IllegalArgumentException(what + " '" + key + "' appears twice");
        }
    }

    private static String key(String name) {
        return name == null ? "" : name.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "ServiceTable{version=" + version + ", networks=" + networks.size() + ", services=" + services.size()
                + "}";
    }
}
