package io.shoal.balancer.ipvs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.function.Function;

/**
 * Computes the IPVS steps that turn what the kernel has into what is desired. Pure: the input is a
 * dump (so a restarted process adopts whatever an earlier one left), the output a list of
 * {@link IpvsChange}s in an order that never leaves a service without its new destinations while
 * old ones drain.
 *
 * <p>Graceful removal: a destination that is no longer desired first gets weight 0 (IPVS takes no
 * new connections to it; existing ones continue) and is remembered as leaving with a deadline of
 * now + drain timeout; a later plan at or after the deadline deletes it. A destination found at
 * weight 0 without a record (left by an earlier process) starts its drain now. A drain timeout of 0
 * deletes at once. Removed services are deleted at once.
 */
public final class IpvsPlanner {
    private IpvsPlanner() {}

    /**
     * The plan and the leaving destinations after it.
     *
     * @param changes the steps, in order
     * @param leaving destinations kept at weight 0 until their deadline
     */
    public record Plan(List<IpvsChange> changes, Map<Leaving, Instant> leaving) {
        public Plan {
            changes = List.copyOf(changes);
            leaving = Map.copyOf(leaving);
        }

        /** The earliest deadline of a leaving destination: when the next plan has work to do. */
        public Optional<Instant> nextDeadline() {
            return leaving.values().stream().min(Instant::compareTo);
        }

        public boolean isEmpty() {
            return changes.isEmpty();
        }
    }

    /** A destination of a service that is draining before it is deleted. */
    public record Leaving(IpvsServiceKey service, IpvsDestination.Key destination) {}

    /**
     * Plans the change from {@code actual} to {@code desired}.
     *
     * @param actualConfig the namespace's timeouts now; {@code desiredConfig} the ones wanted (0 =
     *     keep a value)
     * @param leaving destinations already draining, with their deadlines
     * @param now the clock, for deadlines
     * @param drain how long a leaving destination keeps its existing connections
     */
    public static Plan plan(
            IpvsTable actual,
            IpvsConfig actualConfig,
            IpvsTable desired,
            IpvsConfig desiredConfig,
            Map<Leaving, Instant> leaving,
            Instant now,
            Duration drain) {
        return plan(actual.entries(), actualConfig, desired.entries(), desiredConfig, leaving, now, drain);
    }

    /** {@link #plan(IpvsTable, IpvsConfig, IpvsTable, IpvsConfig, Map, Instant, Duration)} over maps sorted by key. */
    static Plan plan(
            SortedMap<IpvsServiceKey, IpvsTable.Entry> actual,
            IpvsConfig actualConfig,
            SortedMap<IpvsServiceKey, IpvsTable.Entry> desired,
            IpvsConfig desiredConfig,
            Map<Leaving, Instant> leaving,
            Instant now,
            Duration drain) {
        Steps steps = new Steps(actualConfig, desiredConfig, leaving, now, drain);
        for (IpvsTable.Entry a : actual.values()) {
            IpvsServiceKey key = a.service().key();
            if (!desired.containsKey(key)) {
                steps.service(key, a, null);
            }
        }
        for (IpvsTable.Entry d : desired.values()) {
            IpvsServiceKey key = d.service().key();
            steps.service(key, actual.get(key), d);
        }
        return steps.plan();
    }

    /**
     * The plan for the services {@code keys} only: exactly the steps (and leaving destinations)
     * {@link #plan} gives for them, in the same order. It equals the whole plan when every other
     * service is already as desired and has no leaving destination, which is how {@link
     * IpvsTarget} uses it: an apply costs what changed, not the size of the table.
     *
     * @param keys the services to plan, in key order
     * @param actual what the kernel holds (only {@code keys} are looked up)
     * @param desired the desired entry of a key, or null when the service is not desired
     */
    static Plan planFor(
            SortedSet<IpvsServiceKey> keys,
            Map<IpvsServiceKey, IpvsTable.Entry> actual,
            IpvsConfig actualConfig,
            Function<IpvsServiceKey, IpvsTable.Entry> desired,
            IpvsConfig desiredConfig,
            Map<Leaving, Instant> leaving,
            Instant now,
            Duration drain) {
        Steps steps = new Steps(actualConfig, desiredConfig, leaving, now, drain);
        for (IpvsServiceKey key : keys) {
            steps.service(key, actual.get(key), desired.apply(key));
        }
        return steps.plan();
    }

    /** The steps of one plan, gathered per kind and put in order at the end. */
    private static final class Steps {
        private final Map<Leaving, Instant> leaving;
        private final Instant now;
        private final Duration drain;
        private final List<IpvsChange> config = new ArrayList<>();
        private final List<IpvsChange> deleteServices = new ArrayList<>();
        private final List<IpvsChange> addServices = new ArrayList<>();
        private final List<IpvsChange> editServices = new ArrayList<>();
        private final List<IpvsChange> addDests = new ArrayList<>();
        private final List<IpvsChange> editDests = new ArrayList<>();
        private final List<IpvsChange> deleteDests = new ArrayList<>();
        private final Map<Leaving, Instant> stillLeaving = new HashMap<>();

        Steps(
                IpvsConfig actualConfig,
                IpvsConfig desiredConfig,
                Map<Leaving, Instant> leaving,
                Instant now,
                Duration drain) {
            this.leaving = Objects.requireNonNull(leaving, "leaving");
            this.now = Objects.requireNonNull(now, "now");
            this.drain = Objects.requireNonNull(drain, "drain");
            IpvsConfig wanted = new IpvsConfig(
                    desiredConfig.tcp() == 0 ? actualConfig.tcp() : desiredConfig.tcp(),
                    desiredConfig.tcpFin() == 0 ? actualConfig.tcpFin() : desiredConfig.tcpFin(),
                    desiredConfig.udp() == 0 ? actualConfig.udp() : desiredConfig.udp());
            if (!wanted.equals(actualConfig)) {
                config.add(new IpvsChange.SetConfig(actualConfig, wanted));
            }
        }

        /** The steps for one service: {@code a} what the kernel has (or null), {@code d} what is desired (or null). */
        void service(IpvsServiceKey key, IpvsTable.Entry a, IpvsTable.Entry d) {
            if (d == null) {
                if (a != null) {
                    deleteServices.add(new IpvsChange.DeleteService(a));
                }
                return;
            }
            if (a == null) {
                addServices.add(new IpvsChange.AddService(d));
                return;
            }
            if (!a.service().equals(d.service())) {
                editServices.add(new IpvsChange.EditService(a.service(), d.service()));
            }
            for (IpvsDestination want : d.destinations().values()) {
                IpvsDestination have = a.destinations().get(want.key());
                if (have == null) {
                    addDests.add(new IpvsChange.AddDest(key, want));
                } else if (!have.equals(want)) {
                    editDests.add(new IpvsChange.EditDest(key, have, want));
                }
            }
            for (IpvsDestination have : a.destinations().values()) {
                if (d.destinations().containsKey(have.key())) {
                    continue;
                }
                Leaving id = new Leaving(key, have.key());
                Instant deadline = leaving.getOrDefault(id, now.plus(drain));
                if (drain.isZero() || !now.isBefore(deadline)) {
                    deleteDests.add(new IpvsChange.DeleteDest(key, have));
                } else {
                    stillLeaving.put(id, deadline);
                    if (have.weight() != 0) {
                        editDests.add(new IpvsChange.EditDest(key, have, have.withWeight(0)));
                    }
                }
            }
        }

        Plan plan() {
            List<IpvsChange> all = new ArrayList<>();
            all.addAll(config);
            all.addAll(deleteServices);
            all.addAll(addServices);
            all.addAll(editServices);
            all.addAll(addDests); // new destinations first, so a service is never left with none
            all.addAll(editDests);
            all.addAll(deleteDests);
            return new Plan(all, stillLeaving);
        }
    }
}
