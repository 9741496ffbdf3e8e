package io.shoal.dns.resolve;

import io.shoal.dns.wire.DnsNames;
import io.shoal.dns.wire.ParsedQuery;
import io.shoal.model.EndpointMode;
import io.shoal.model.PortConfig;
import io.shoal.model.table.NetworkEntry;
import io.shoal.model.table.ServiceEntry;
import io.shoal.model.table.ServiceTable;
import io.shoal.model.table.TaskEndpoint;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every name Shoal answers, per network, built once from a {@link ServiceTable} off the hot path
 * and never changed: a lookup is one hash probe per network of the asking container, on the bytes
 * of the question as parsed (no string is made per query).
 *
 * <p>On each network {@code n} the index holds, first come first kept when names collide:
 *
 * <ol>
 *   <li>{@code <service>}, {@code <service>.<n>} and the same for each network alias: the VIP in
 *       vip mode, the ready task addresses in dnsrr mode;
 *   <li>{@code tasks.<service>}, {@code tasks.<service>.<n>} (and for aliases): every ready task;
 *   <li>task names {@code <service>.<slot>.<taskid>} ({@code <service>.<nodeid>.<taskid>} for a
 *       global service's tasks, which have slot 0) and container hostnames, bare and with
 *       {@code .<n>};
 *   <li>{@code _<port>._<proto>.<service>} (and {@code .<n>}) for each port of the service, where
 *       {@code <port>} is the port's name, its published port or its target port.
 * </ol>
 *
 * Only ready tasks appear in forward names; PTR covers every task address and every VIP.
 */
public final class NameIndex {
    private static final Logger log = LoggerFactory.getLogger(NameIndex.class);
    private static final NameIndex EMPTY = new NameIndex(ServiceTable.empty(), DnsTtls.DEFAULTS);

    private final ServiceTable table;
    private final Map<String, NameTable<NameEntry>> byNetwork = new HashMap<>();
    private final NameTable<PtrEntry> reverse;

    /** Builds the index of {@code table} with the given TTLs. */
    public NameIndex(ServiceTable table, DnsTtls ttls) {
        this.table = table;
        for (NetworkEntry network : table.networks()) {
            Map<String, NameEntry> names = new HashMap<>();
            indexNetwork(network, names, ttls);
            byNetwork.put(network.id(), new NameTable<>(names));
        }
        Map<String, PtrEntry> ptrs = new HashMap<>();
        for (ServiceEntry s : table.services()) {
            indexReverse(s, ttls, ptrs);
        }
        reverse = new NameTable<>(ptrs);
    }

    /** The index of the empty table. */
    public static NameIndex empty() {
        return EMPTY;
    }

    /** The table this index was built from. */
    public ServiceTable table() {
        return table;
    }

    /** The entry of the question's name on the first network of the scope that has it, or null. */
    NameEntry lookup(ParsedQuery q, DnsScope scope) {
        List<String> networks = scope.networkIds();
        for (int i = 0; i < networks.size(); i++) {
            NameTable<NameEntry> names = byNetwork.get(networks.get(i));
            if (names != null) {
                NameEntry e = names.get(q);
                if (e != null) {
                    return e;
                }
            }
        }
        return null;
    }

    /** The PTR entry of the question's reverse name, or null when no address of the table has it. */
    PtrEntry reverse(ParsedQuery q) {
        return reverse.get(q);
    }

    private void indexNetwork(NetworkEntry network, Map<String, NameEntry> names, DnsTtls ttls) {
        String net = lower(network.name());
        List<ServiceEntry> services = table.servicesOn(network.id());
        // Pass 1: service names and aliases win over everything else.
        for (ServiceEntry s : services) {
            NameEntry entry = s.endpointMode() == EndpointMode.VIP && s.vips().containsKey(network.id())
                    ? addresses(List.of(s.vips().get(network.id())), ttls.vipSeconds())
                    : addresses(s.readyAddressesOn(network.id()), ttls.taskSeconds());
            for (String name : serviceNames(s, network.id())) {
                put(names, name, net, entry);
            }
        }
        // Pass 2: tasks.<service>.
        for (ServiceEntry s : services) {
            NameEntry entry = addresses(s.readyAddressesOn(network.id()), ttls.taskSeconds());
            for (String name : serviceNames(s, network.id())) {
                put(names, "tasks." + name, net, entry);
            }
        }
        // Pass 3: task names, hostnames, SRV names.
        for (ServiceEntry s : services) {
            for (TaskEndpoint t : s.tasks()) {
                InetAddress ip = t.addressOn(network.id());
                if (!t.ready() || ip == null) {
                    continue;
                }
                NameEntry entry = addresses(List.of(ip), ttls.taskSeconds());
                put(names, taskName(s, t), net, entry);
                if (!t.hostname().isBlank()) {
                    put(names, lower(t.hostname()), net, entry);
                }
            }
            indexSrv(s, network, net, names, ttls);
        }
    }

    private void indexSrv(
            ServiceEntry s, NetworkEntry network, String net, Map<String, NameEntry> names, DnsTtls ttls) {
        for (PortConfig port : s.ports()) {
            List<SrvTarget> targets = new ArrayList<>();
            int ttl;
            try {
                if (s.endpointMode() == EndpointMode.VIP && s.vips().containsKey(network.id())) {
                    ttl = ttls.vipSeconds();
                    targets.add(new SrvTarget(
                            port.targetPort(),
                            DnsNames.toWire(lower(s.name()) + "." + net),
                            s.vips().get(network.id()).getAddress()));
                } else {
                    ttl = ttls.taskSeconds();
                    for (TaskEndpoint t : s.tasks()) {
                        InetAddress ip = t.addressOn(network.id());
                        if (t.ready() && ip != null) {
                            targets.add(new SrvTarget(
                                    port.targetPort(), DnsNames.toWire(taskName(s, t) + "." + net), ip.getAddress()));
                        }
                    }
                }
            } catch (IllegalArgumentException e) {
                log.warn("service {}: no SRV records on network {}: {}", s.name(), network.name(), e.getMessage());
                continue;
            }
            NameEntry entry = NameEntry.srv(targets.toArray(new SrvTarget[0]), ttl);
            Set<String> labels = new LinkedHashSet<>();
            if (!port.name().isBlank()) {
                labels.add(lower(port.name()));
            }
            if (port.isPublished()) {
                labels.add(Integer.toString(port.publishedPort()));
            }
            labels.add(Integer.toString(port.targetPort()));
            String proto = port.protocol().json();
            for (String label : labels) {
                for (String name : serviceNames(s, network.id())) {
                    put(names, "_" + label + "._" + proto + "." + name, net, entry);
                }
            }
        }
    }

    private void indexReverse(ServiceEntry s, DnsTtls ttls, Map<String, PtrEntry> ptrs) {
        s.vips().forEach((networkId, vip) -> putReverse(ptrs, vip, networkId, lower(s.name()), ttls.vipSeconds()));
        for (TaskEndpoint t : s.tasks()) {
            t.addresses()
                    .forEach((networkId, ip) -> putReverse(ptrs, ip, networkId, taskName(s, t), ttls.taskSeconds()));
        }
    }

    private void putReverse(Map<String, PtrEntry> ptrs, InetAddress ip, String networkId, String name, int ttl) {
        String net = table.network(networkId).map(n -> lower(n.name())).orElse(lower(networkId));
        try {
            ptrs.put(ReverseNames.of(ip), new PtrEntry(networkId, DnsNames.toWire(name + "." + net), ttl));
        } catch (IllegalArgumentException e) {
            log.warn("no PTR for {}: {}", ip.getHostAddress(), e.getMessage());
        }
    }

    private static List<String> serviceNames(ServiceEntry s, String networkId) {
        Set<String> aliases = s.aliases().getOrDefault(networkId, Set.of());
        List<String> names = new ArrayList<>(1 + aliases.size());
        names.add(lower(s.name()));
        for (String alias : aliases) {
            names.add(lower(alias));
        }
        return names;
    }

    /** {@code <service>.<slot>.<taskid>}, or {@code <service>.<nodeid>.<taskid>} for slot 0. */
    static String taskName(ServiceEntry s, TaskEndpoint t) {
        String middle = t.slot() > 0 ? Integer.toString(t.slot()) : t.nodeId();
        return lower(s.name() + "." + middle + "." + t.taskId());
    }

    private static void put(Map<String, NameEntry> names, String name, String net, NameEntry entry) {
        names.putIfAbsent(name, entry);
        names.putIfAbsent(name + "." + net, entry);
    }

    private static NameEntry addresses(List<InetAddress> ips, int ttl) {
        List<byte[]> v4 = new ArrayList<>(ips.size());
        List<byte[]> v6 = new ArrayList<>();
        for (InetAddress ip : ips) {
            (ip instanceof Inet4Address ? v4 : v6).add(ip.getAddress());
        }
        return NameEntry.addresses(v4.toArray(new byte[0][]), v6.toArray(new byte[0][]), ttl);
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
