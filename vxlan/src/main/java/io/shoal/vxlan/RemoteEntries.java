package io.shoal.vxlan;

import io.shoal.netlink.Errno;
import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.route.FdbEntry;
import io.shoal.netlink.route.MacAddress;
import io.shoal.netlink.route.Neighbour;
import io.shoal.netlink.socket.BatchOutcome;
import io.shoal.netlink.socket.Request;
import io.shoal.vxlan.RemotePlan.FdbTarget;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The remote endpoints of one sandbox: static neighbour (IP→MAC) and FDB (MAC→VTEP) entries on its
 * {@code vxlan0}, read back, diffed ({@link RemotePlan}) and written in batches.
 */
final class RemoteEntries {
    private RemoteEntries() {}

    /** Adds or replaces both entries of {@code remote}, in one datagram. */
    static void add(Sandbox sb, Remote remote, String what) {
        List<Request> requests = List.of(
                sb.rt.neighbours().replaceRequest(sb.vxlanIndex, remote.ip(), remote.mac()),
                sb.rt.fdb().replaceRequest(sb.vxlanIndex, remote.mac(), remote.vtep()));
        apply(sb, requests, e -> false, what);
    }

    /** Deletes both entries of {@code remote}; entries already gone are fine. */
    static void remove(Sandbox sb, Remote remote, String what) {
        List<Request> requests = List.of(
                sb.rt.neighbours().deleteRequest(sb.vxlanIndex, remote.ip()),
                sb.rt.fdb().deleteRequest(sb.vxlanIndex, remote.mac(), remote.vtep()));
        apply(sb, requests, RemoteEntries::isGone, what);
    }

    /** Makes the entries exactly {@code desired}: stale ones removed first, then missing ones added. */
    static RemoteSync sync(Sandbox sb, Set<Remote> desired, String operation) {
        try {
            RemotePlan plan = RemotePlan.between(programmedNeighbours(sb), programmedFdb(sb), desired);
            if (plan.isEmpty()) {
                return new RemoteSync(0, 0, 0, 0);
            }
            List<Request> removals = new ArrayList<>();
            plan.neighboursToRemove()
                    .keySet()
                    .forEach(ip -> removals.add(sb.rt.neighbours().deleteRequest(sb.vxlanIndex, ip)));
            plan.fdbToRemove().forEach(t -> removals.add(sb.rt.fdb().deleteRequest(sb.vxlanIndex, t.mac(), t.vtep())));
            List<Request> additions = new ArrayList<>();
            plan.neighboursToAdd()
                    .forEach((ip, mac) -> additions.add(sb.rt.neighbours().replaceRequest(sb.vxlanIndex, ip, mac)));
            plan.fdbToAdd().forEach(t -> additions.add(sb.rt.fdb().replaceRequest(sb.vxlanIndex, t.mac(), t.vtep())));
            // Removals first, in their own batch: a moved remote's new entry must not be deleted.
            apply(sb, removals, RemoteEntries::isGone, operation);
            apply(sb, additions, e -> false, operation);
            return new RemoteSync(
                    plan.neighboursToAdd().size(),
                    plan.neighboursToRemove().size(),
                    plan.fdbToAdd().size(),
                    plan.fdbToRemove().size());
        } catch (NetlinkException e) {
            throw new OverlayException(operation, e);
        }
    }

    /** The remotes programmed (neighbour and FDB entries joined by MAC). */
    static Set<Remote> programmed(Sandbox sb, String what) {
        try {
            Map<MacAddress, Inet4Address> vteps = new HashMap<>();
            programmedFdb(sb).forEach(t -> vteps.put(t.mac(), t.vtep()));
            Set<Remote> out = new HashSet<>();
            programmedNeighbours(sb).forEach((ip, mac) -> {
                Inet4Address vtep = vteps.get(mac);
                if (vtep != null) {
                    out.add(new Remote(ip, mac, vtep));
                }
            });
            return out;
        } catch (NetlinkException e) {
            throw new OverlayException(what, e);
        }
    }

    private static Map<Inet4Address, MacAddress> programmedNeighbours(Sandbox sb) {
        Map<Inet4Address, MacAddress> out = new HashMap<>();
        for (Neighbour n : sb.rt.neighbours().list(sb.vxlanIndex)) {
            if (n.isPermanent()
                    && n.address() instanceof Inet4Address a
                    && n.mac().isPresent()) {
                out.put(a, n.mac().get());
            }
        }
        return out;
    }

    /** Only the device's own entries with a VTEP: the bridge's port entries have no destination. */
    private static Set<FdbTarget> programmedFdb(Sandbox sb) {
        Set<FdbTarget> out = new HashSet<>();
        for (FdbEntry e : sb.rt.fdb().list(sb.vxlanIndex)) {
            if (e.destination().isPresent() && e.destination().get() instanceof Inet4Address d) {
                out.add(new FdbTarget(e.mac(), d));
            }
        }
        return out;
    }

    private static boolean isGone(NetlinkException e) {
        return e.is(Errno.ENOENT) || e.is(Errno.ESRCH);
    }

    private static void apply(Sandbox sb, List<Request> requests, Predicate<NetlinkException> ignore, String what) {
        if (requests.isEmpty()) {
            return;
        }
        BatchOutcome outcome;
        try {
            outcome = sb.rt.executeAll(requests);
        } catch (NetlinkException e) {
            throw new OverlayException(what, e);
        }
        List<NetlinkException> failures =
                outcome.failures().values().stream().filter(ignore.negate()).toList();
        if (!failures.isEmpty()) {
            OverlayException ex = new OverlayException(
                    what + " (" + failures.size() + " of " + requests.size() + " requests refused)", failures.get(0));
            failures.stream().skip(1).forEach(ex::addSuppressed);
            throw ex;
        }
    }
}
