package io.shoal.vxlan;

import io.shoal.netlink.route.MacAddress;
import java.net.Inet4Address;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What to change so that a network's programmed remote entries become the desired ones. Neighbour
 * (IP→MAC) and FDB (MAC→VTEP) entries are compared on their own, so that a half-programmed remote
 * (one of its two entries lost to a crash) is repaired rather than ignored. Stale entries are
 * removed before missing ones are added, so that a remote that moved (same MAC, new VTEP; same IP,
 * new MAC) ends with the new entry.
 *
 * @param neighboursToRemove programmed IP→MAC entries not desired
 * @param neighboursToAdd desired IP→MAC entries not programmed
 * @param fdbToRemove programmed MAC→VTEP entries not desired
 * @param fdbToAdd desired MAC→VTEP entries not programmed
 */
public record RemotePlan(
        Map<Inet4Address, MacAddress> neighboursToRemove,
        Map<Inet4Address, MacAddress> neighboursToAdd,
        Set<FdbTarget> fdbToRemove,
        Set<FdbTarget> fdbToAdd) {

    /** A MAC behind a VTEP. */
    public record FdbTarget(MacAddress mac, Inet4Address vtep) {
        public FdbTarget {
            Objects.requireNonNull(mac, "mac");
            Objects.requireNonNull(vtep, "vtep");
        }
    }

    public RemotePlan {
        neighboursToRemove = Map.copyOf(neighboursToRemove);
        neighboursToAdd = Map.copyOf(neighboursToAdd);
        fdbToRemove = Set.copyOf(fdbToRemove);
        fdbToAdd = Set.copyOf(fdbToAdd);
    }

    /**
     * The plan from what is programmed to what is desired.
     *
     * @param neighbours programmed IP→MAC entries
     * @param fdb programmed MAC→VTEP entries
     * @param desired the remotes wanted
     * @throws IllegalArgumentException when two desired remotes share an IP or a MAC with different
     *     partners (the kernel could hold only one of them)
     */
    public static RemotePlan between(
            Map<Inet4Address, MacAddress> neighbours, Set<FdbTarget> fdb, Set<Remote> desired) {
        Map<Inet4Address, MacAddress> wantNeighbours = new HashMap<>();
        Map<MacAddress, Inet4Address> wantFdb = new HashMap<>();
        for (Remote r : desired) {
            MacAddress before = wantNeighbours.put(r.ip(), r.mac());
            if (before != null && !before.equals(r.mac())) {
                throw new IllegalArgumentException(
                        "remotes: ip " + r.ip().getHostAddress() + " given twice, with " + before + " and " + r.mac());
            }
            Inet4Address vtep = wantFdb.put(r.mac(), r.vtep());
            if (vtep != null && !vtep.equals(r.vtep())) {
                throw new IllegalArgumentException("remotes: mac " + r.mac() + " given twice, behind "
                        + vtep.getHostAddress() + " and " + r.vtep().getHostAddress());
            }
        }
        Map<Inet4Address, MacAddress> removeNeighbours = new HashMap<>();
        neighbours.forEach((ip, mac) -> {
            if (!mac.equals(wantNeighbours.get(ip))) {
                removeNeighbours.put(ip, mac);
            }
        });
        Map<Inet4Address, MacAddress> addNeighbours = new HashMap<>();
        wantNeighbours.forEach((ip, mac) -> {
            if (!mac.equals(neighbours.get(ip))) {
                addNeighbours.put(ip, mac);
            }
        });
        Set<FdbTarget> want = new HashSet<>();
        wantFdb.forEach((mac, vtep) -> want.add(new FdbTarget(mac, vtep)));
        Set<FdbTarget> removeFdb = new LinkedHashSet<>(fdb);
        removeFdb.removeAll(want);
        Set<FdbTarget> addFdb = new LinkedHashSet<>(want);
        addFdb.removeAll(fdb);
        return new RemotePlan(removeNeighbours, addNeighbours, removeFdb, addFdb);
    }

    /** True when nothing needs to change. */
    public boolean isEmpty() {
        return neighboursToRemove.isEmpty() && neighboursToAdd.isEmpty() && fdbToRemove.isEmpty() && fdbToAdd.isEmpty();
    }

    /** How many kernel requests the plan takes. */
    public int size() {
        return neighboursToRemove.size() + neighboursToAdd.size() + fdbToRemove.size() + fdbToAdd.size();
    }
}
