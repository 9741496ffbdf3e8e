package io.shoal.balancer.spec;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Every virtual service one namespace should have. A balancer makes the kernel match this set
 * exactly: services not in it are removed. Immutable; keys (VIP, protocol, port) and names are
 * unique.
 */
public final class DesiredState {
    private static final DesiredState EMPTY = new DesiredState(List.of());

    private final SortedMap<ServiceKey, VirtualService> byKey;
    /** The same services in key order, as a list: walking it is much cheaper than the tree. */
    private final List<VirtualService> sorted;

    private DesiredState(Collection<VirtualService> services) {
        SortedMap<ServiceKey, VirtualService> map = new TreeMap<>();
        Map<String, ServiceKey> names = new HashMap<>();
        int i = 0;
        for (VirtualService s : services) {
            Objects.requireNonNull(s, "services[" + i + "] must not be null");
            VirtualService before = map.putIfAbsent(s.key(), s);
            if (before != null) {
                throw new IllegalArgumentException("services[" + i + "] duplicates VIP:port/protocol " + s.key()
                        + " (services " + before.name() + " and " + s.name() + ")");
            }
            ServiceKey sameName = names.putIfAbsent(s.name(), s.key());
            if (sameName != null) {
                throw new IllegalArgumentException(
                        "services[" + i + "] duplicates name " + s.name() + " (" + sameName + " and " + s.key() + ")");
            }
            i++;
        }
        this.byKey = java.util.Collections.unmodifiableSortedMap(map);
        this.sorted = List.copyOf(map.values());
    }

    /** No services: applying it removes every service the balancer made. */
    public static DesiredState empty() {
        return EMPTY;
    }

    /** The given services; refuses duplicate keys or names. */
    public static DesiredState of(VirtualService... services) {
        return new DesiredState(List.of(services));
    }

    /** The given services; refuses duplicate keys or names. */
    public static DesiredState of(Collection<VirtualService> services) {
        return new DesiredState(new ArrayList<>(services));
    }

    /** Services sorted by key (IPv4 before IPv6, then address, protocol, port). */
    public Collection<VirtualService> services() {
        return sorted;
    }

    /** Services sorted by key, as an immutable list. */
    public List<VirtualService> sorted() {
        return sorted;
    }

    /** Services by key, sorted. */
    public SortedMap<ServiceKey, VirtualService> byKey() {
        return byKey;
    }

    /** Number of services. */
    public int size() {
        return byKey.size();
    }

    /** True when there are no services. */
    public boolean isEmpty() {
        return byKey.isEmpty();
    }

    /** This set with {@code service} added or replacing the one of the same key. */
    public DesiredState with(VirtualService service) {
        Map<ServiceKey, VirtualService> copy = new TreeMap<>(byKey);
        copy.put(service.key(), service);
        return new DesiredState(copy.values());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DesiredState d && byKey.equals(d.byKey);
    }

    @Override
    public int hashCode() {
        return byKey.hashCode();
    }

    @Override
    public String toString() {
        return byKey.size() + " services";
    }
}
