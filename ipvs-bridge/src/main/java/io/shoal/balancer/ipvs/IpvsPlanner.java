package io.shoal.balancer.ipvs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

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
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(drain, "drain");
        List<IpvsChange> config = new ArrayList<>();
        List<IpvsChange> deleteServices = new ArrayList<>();
        List<IpvsChange> addServices = new ArrayList<>();
        List<IpvsChange> editServices = new ArrayList<>();
        List<IpvsChange> addDests = new ArrayList<>();
        List<IpvsChange> editDests = new ArrayList<>();
        List<IpvsChange> deleteDests = new ArrayList<>();
        Map<Leaving, Instant> stillLeaving = new HashMap<>();

        IpvsConfig wanted = new IpvsConfig(
                desiredConfig.tcp() == 0 ? actualConfig.tcp() : desiredConfig.tcp(),
                desiredConfig.tcpFin() == 0 ? actualConfig.tcpFin() : desiredConfig.tcpFin(),
                desiredConfig.udp() == 0 ? actualConfig.udp() : desiredConfig.udp());
        if (!wanted.equals(actualConfig)) {
            config.add(new IpvsChange.SetConfig(actualConfig, wanted));
        }

        for (IpvsTable.Entry a : actual.entries().values()) {
            if (!desired.entries().containsKey(a.service().key())) {
                deleteServices.add(new IpvsChange.DeleteService(a));
            }
        }
        for (IpvsTable.Entry d : desired.entries().values()) {
            IpvsServiceKey key = d.service().key();
            IpvsTable.Entry a = actual.entries().get(key);
            if (a == null) {
                addServices.add(new IpvsChange.AddService(d));
                continue;
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
