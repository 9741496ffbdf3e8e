package io.shoal.balancer.ipvs;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A namespace's IPVS services and their destinations: what a dump read back, or what a desired
 * state translates to. Immutable.
 */
public final class IpvsTable {
    private static final IpvsTable EMPTY = new IpvsTable(new TreeMap<>());

    private final SortedMap<IpvsServiceKey, Entry> entries;

    private IpvsTable(SortedMap<IpvsServiceKey, Entry> entries) {
        this.entries = Collections.unmodifiableSortedMap(entries);
    }

    /** No services. */
    public static IpvsTable empty() {
        return EMPTY;
    }

    /** A table of these entries; keys must be unique. */
    public static IpvsTable of(List<Entry> list) {
        SortedMap<IpvsServiceKey, Entry> map = new TreeMap<>();
        for (Entry e : list) {
            if (map.putIfAbsent(e.service().key(), e) != null) {
                throw new IllegalArgumentException(
                        "duplicate IPVS service " + e.service().key());
            }
        }
        return new IpvsTable(map);
    }

    /** Services by key, sorted. */
    public SortedMap<IpvsServiceKey, Entry> entries() {
        return entries;
    }

    /** This table with {@code entry} added or replacing the one of the same key. */
    public IpvsTable with(Entry entry) {
        SortedMap<IpvsServiceKey, Entry> copy = new TreeMap<>(entries);
        copy.put(entry.service().key(), entry);
        return new IpvsTable(copy);
    }

    /** This table without the service {@code key}. */
    public IpvsTable without(IpvsServiceKey key) {
        SortedMap<IpvsServiceKey, Entry> copy = new TreeMap<>(entries);
        copy.remove(key);
        return new IpvsTable(copy);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpvsTable t && entries.equals(t.entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    /** {@code ipvsadm -Ln}-like text, one line per service and destination. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Entry e : entries.values()) {
            sb.append(e.service()).append('\n');
            for (IpvsDestination d : e.destinations().values()) {
                sb.append("  -> ").append(d).append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * One service and its destinations by address and port.
     *
     * @param service the service
     * @param destinations its destinations, in insertion order
     */
    public record Entry(IpvsService service, Map<IpvsDestination.Key, IpvsDestination> destinations) {
        public Entry {
            Objects.requireNonNull(service, "service");
            destinations = Collections.unmodifiableMap(new LinkedHashMap<>(destinations));
        }

        /** An entry from a list of destinations (unique addresses and ports). */
        public static Entry of(IpvsService service, List<IpvsDestination> dests) {
            Map<IpvsDestination.Key, IpvsDestination> map = new LinkedHashMap<>();
            for (IpvsDestination d : dests) {
                if (map.putIfAbsent(d.key(), d) != null) {
                    throw new IllegalArgumentException("duplicate destination " + d.key() + " in " + service.key());
                }
            }
            return new Entry(service, map);
        }

        /** This entry with a destination added or replaced. */
        public Entry with(IpvsDestination d) {
            Map<IpvsDestination.Key, IpvsDestination> map = new LinkedHashMap<>(destinations);
            map.put(d.key(), d);
            return new Entry(service, map);
        }

        /** This entry without a destination. */
        public Entry without(IpvsDestination.Key k) {
            Map<IpvsDestination.Key, IpvsDestination> map = new LinkedHashMap<>(destinations);
            map.remove(k);
            return new Entry(service, map);
        }

        /** Equal services and the same destinations, whatever their order. */
        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e
                    && service.equals(e.service)
                    && destinations.equals(e.destinations); // Map.equals ignores order
        }

        @Override
        public int hashCode() {
            return Objects.hash(service, destinations);
        }
    }
}
