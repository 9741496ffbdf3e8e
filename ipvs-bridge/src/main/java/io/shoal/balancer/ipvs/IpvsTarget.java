package io.shoal.balancer.ipvs;

import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.ServiceDiff;
import io.shoal.balancer.spec.ServiceKey;
import io.shoal.balancer.spec.VirtualService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The last applied desired state in IPVS form, kept per service so that an apply maps and plans
 * only the services that changed. Pure (no kernel).
 *
 * <p>It holds the desired state, the VIP marks of its all-ports services (null: all-ports services
 * are port-zero services, no marks) and every service mapped to its IPVS entry ({@link
 * IpvsMapping}). {@link #change} compares a new state with it ({@link ServiceDiff}: one merge walk,
 * an unchanged service object costs a pointer comparison), maps the added and changed services
 * only, and {@link #plan} plans only their IPVS services plus those with a leaving destination
 * whose drain deadline has come ({@link IpvsPlanner#planFor}); other leaving destinations are
 * carried over as they are. That plan is the one {@link IpvsPlanner#plan} computes from the
 * whole table, provided the kernel's table is this target's plus the leaving destinations at
 * weight 0 — which holds after every apply this target followed; after a dump (adoption, or any
 * failure) the balancer plans from scratch and starts a new target. {@link #commit} takes a change
 * over once the kernel has it; a change that is not committed leaves the target as it was.
 */
final class IpvsTarget {
    private DesiredState state;
    private Map<IpvsMarks.Target, Integer> marks;
    /** The IPVS service of every service of {@link #state}. */
    private final Map<ServiceKey, IpvsServiceKey> keys;
    /** Every service of {@link #state} mapped, by IPVS key, sorted. */
    private final TreeMap<IpvsServiceKey, IpvsTable.Entry> entries;

    private IpvsTarget(
            DesiredState state,
            Map<IpvsMarks.Target, Integer> marks,
            Map<ServiceKey, IpvsServiceKey> keys,
            TreeMap<IpvsServiceKey, IpvsTable.Entry> entries) {
        this.state = state;
        this.marks = marks;
        this.keys = keys;
        this.entries = entries;
    }

    /**
     * Maps every service of {@code state} (the plan from scratch).
     *
     * @param marks the mark of every all-ports service's VIP and protocol ({@link IpvsMarks#assign}),
     *     or null for port-zero services
     */
    static IpvsTarget of(DesiredState state, Map<IpvsMarks.Target, Integer> marks) {
        Map<ServiceKey, IpvsServiceKey> keys = new HashMap<>(Math.max(16, state.size() * 2));
        TreeMap<IpvsServiceKey, IpvsTable.Entry> entries = new TreeMap<>();
        for (VirtualService s : state.services()) {
            IpvsTable.Entry e = IpvsMapping.entry(s, marks);
            IpvsServiceKey k = e.service().key();
            if (entries.putIfAbsent(k, e) != null) {
                throw new IllegalArgumentException("duplicate IPVS service " + k);
            }
            keys.put(s.key(), k);
        }
        return new IpvsTarget(state, marks == null ? null : Map.copyOf(marks), keys, entries);
    }

    /** The desired state this target maps. */
    DesiredState state() {
        return state;
    }

    /** The marks of its all-ports services; null when all-ports services are port-zero services. */
    Map<IpvsMarks.Target, Integer> marks() {
        return marks;
    }

    /** Every service in IPVS form, sorted by IPVS key (read-only view). */
    SortedMap<IpvsServiceKey, IpvsTable.Entry> entries() {
        return Collections.unmodifiableSortedMap(entries);
    }

    /** The whole target as a table (a copy). */
    IpvsTable table() {
        return IpvsTable.of(List.copyOf(entries.values()));
    }

    /**
     * What applying {@code next} changes, mapped: the services added or changed by {@code diff}
     * (from {@link #state} to {@code next}), the IPVS services removed, and the marks for the new
     * set of all-ports services (existing marks are kept, new VIPs get free ones). This target is
     * not modified.
     *
     * @throws IllegalArgumentException when a changed service cannot be mapped
     */
    Change change(DesiredState next, ServiceDiff diff) {
        Objects.requireNonNull(next, "next");
        Objects.requireNonNull(diff, "diff");
        Map<IpvsMarks.Target, Integer> nextMarks = marks;
        if (marks != null) {
            Set<IpvsMarks.Target> targets = null;
            for (VirtualService s : diff.removed()) {
                if (s.allPorts()) {
                    targets = targets == null ? new HashSet<>(marks.keySet()) : targets;
                    targets.remove(IpvsMarks.Target.of(s));
                }
            }
            for (VirtualService s : diff.added()) {
                if (s.allPorts()) {
                    targets = targets == null ? new HashSet<>(marks.keySet()) : targets;
                    targets.add(IpvsMarks.Target.of(s));
                }
            }
            if (targets != null) {
                nextMarks = Map.copyOf(IpvsMarks.assign(targets, marks));
            }
        }
        // Services to map: the added and changed ones, and any all-ports service whose mark moved.
        List<VirtualService> map =
                new ArrayList<>(diff.added().size() + diff.changed().size());
        map.addAll(diff.added());
        for (ServiceDiff.Change c : diff.changed()) {
            map.add(c.after());
        }
        if (nextMarks != marks) {
            for (Map.Entry<IpvsMarks.Target, Integer> m : nextMarks.entrySet()) {
                Integer before = marks.get(m.getKey());
                if (before != null && !before.equals(m.getValue())) {
                    VirtualService s = next.byKey()
                            .get(new ServiceKey(m.getKey().vip(), m.getKey().protocol(), ServiceKey.ALL_PORTS));
                    if (s != null && !map.contains(s)) {
                        map.add(s);
                    }
                }
            }
        }
        Set<ServiceKey> gone = new HashSet<>();
        Set<IpvsServiceKey> removedKeys = new HashSet<>();
        for (VirtualService s : diff.removed()) {
            gone.add(s.key());
            removedKeys.add(keys.get(s.key()));
        }
        Map<ServiceKey, IpvsServiceKey> mappedKeys = new HashMap<>();
        Map<IpvsServiceKey, IpvsTable.Entry> mapped = new HashMap<>();
        for (VirtualService s : map) {
            IpvsTable.Entry e = IpvsMapping.entry(s, nextMarks);
            IpvsServiceKey k = e.service().key();
            IpvsServiceKey before = keys.get(s.key());
            if (before != null && !before.equals(k)) {
                removedKeys.add(before);
            }
            mappedKeys.put(s.key(), k);
            mapped.put(k, e);
        }
        removedKeys.removeAll(mapped.keySet());
        return new Change(next, nextMarks, gone, mappedKeys, mapped, removedKeys);
    }

    /**
     * The plan that applies {@code change} to {@code actual} (the kernel's table), planned for the
     * IPVS services it touches and those with leaving destinations only.
     */
    IpvsPlanner.Plan plan(
            Change change,
            Map<IpvsServiceKey, IpvsTable.Entry> actual,
            IpvsConfig actualConfig,
            IpvsConfig desiredConfig,
            Map<IpvsPlanner.Leaving, Instant> leaving,
            Instant now,
            Duration drain) {
        SortedSet<IpvsServiceKey> dirty = new TreeSet<>(change.mapped.keySet());
        dirty.addAll(change.removed);
        // A service with a destination whose drain deadline has come is planned (it is deleted);
        // one whose leaving destinations all wait has nothing to do: they are at weight 0 already
        // and stay leaving with their deadlines, as the whole plan would keep them.
        for (Map.Entry<IpvsPlanner.Leaving, Instant> l : leaving.entrySet()) {
            if (drain.isZero() || !now.isBefore(l.getValue())) {
                dirty.add(l.getKey().service());
            }
        }
        IpvsPlanner.Plan plan = IpvsPlanner.planFor(
                dirty, actual, actualConfig, k -> desired(change, k), desiredConfig, leaving, now, drain);
        Map<IpvsPlanner.Leaving, Instant> stillLeaving = null;
        for (Map.Entry<IpvsPlanner.Leaving, Instant> l : leaving.entrySet()) {
            if (!dirty.contains(l.getKey().service())) {
                if (stillLeaving == null) {
                    stillLeaving = new HashMap<>(plan.leaving());
                }
                stillLeaving.put(l.getKey(), l.getValue());
            }
        }
        return stillLeaving == null ? plan : new IpvsPlanner.Plan(plan.changes(), stillLeaving);
    }

    /** The desired entry of IPVS service {@code k} once {@code change} is applied; null if none. */
    private IpvsTable.Entry desired(Change change, IpvsServiceKey k) {
        IpvsTable.Entry e = change.mapped.get(k);
        if (e != null) {
            return e;
        }
        return change.removed.contains(k) ? null : entries.get(k);
    }

    /** Takes {@code change} over: the kernel now holds it. */
    void commit(Change change) {
        if (change.base != state) {
            throw new IllegalStateException("change was computed from another state of this target");
        }
        for (ServiceKey k : change.gone) {
            keys.remove(k);
        }
        for (IpvsServiceKey k : change.removed) {
            entries.remove(k);
        }
        keys.putAll(change.mappedKeys);
        entries.putAll(change.mapped);
        state = change.next;
        marks = change.marks;
    }

    /**
     * A mapped change, from {@link #change}.
     *
     * <p>{@code marks} are the marks the kernel must hold for the new state (the same map object
     * as before when no all-ports service came or went).
     */
    final class Change {
        private final DesiredState base = state;
        private final DesiredState next;
        private final Map<IpvsMarks.Target, Integer> marks;
        private final Set<ServiceKey> gone;
        private final Map<ServiceKey, IpvsServiceKey> mappedKeys;
        private final Map<IpvsServiceKey, IpvsTable.Entry> mapped;
        private final Set<IpvsServiceKey> removed;

        private Change(
                DesiredState next,
                Map<IpvsMarks.Target, Integer> marks,
                Set<ServiceKey> gone,
                Map<ServiceKey, IpvsServiceKey> mappedKeys,
                Map<IpvsServiceKey, IpvsTable.Entry> mapped,
                Set<IpvsServiceKey> removed) {
            this.next = next;
            this.marks = marks;
            this.gone = gone;
            this.mappedKeys = mappedKeys;
            this.mapped = mapped;
            this.removed = removed;
        }

        /** The marks for the new state; null without marks. */
        Map<IpvsMarks.Target, Integer> marks() {
            return marks;
        }

        /** IPVS services mapped anew (added or changed). */
        int mappedServices() {
            return mapped.size();
        }
    }
}
