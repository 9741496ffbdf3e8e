package io.shoal.balancer.ipvs;

import io.shoal.netlink.Errno;
import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.codec.Attribute;
import io.shoal.netlink.codec.MessageBuilder;
import io.shoal.netlink.codec.RtMsg;
import io.shoal.netlink.route.Address;
import io.shoal.netlink.route.RouteNetlink;
import io.shoal.netlink.uapi.NetlinkH;
import io.shoal.netlink.uapi.RtnetlinkH;
import io.shoal.netlink.uapi.SocketH;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Keeps the VIPs as host addresses (/32, /128) on the namespace's {@code lo}, each with a
 * preferred source on its local route ({@link #preferSource}). IPVS intercepts a
 * routed packet in LOCAL_IN, so a VIP must be local for connections routed through the namespace
 * to be balanced at all; locally opened connections only need a route, which a local address also
 * gives. kube-proxy's IPVS mode binds VIPs to a {@code dummy} link ({@code kube-ipvs0}) for the
 * same reason; {@code lo} needs no extra link (and {@code dummy} is missing from some kernels,
 * this machine's among them), and in a container's namespace the VIPs are Shoal's alone.
 */
final class VipAddresses {
    private static final String LOOPBACK = "lo";

    private final RouteNetlink rt;
    /** {@code lo}'s index once it was brought up; a namespace's {@code lo} never changes. */
    private int loopbackIndex;

    VipAddresses(RouteNetlink rt) {
        this.rt = rt;
    }

    /** Brings {@code lo} up (a fresh namespace has it down) once and returns its index. */
    int loopback() {
        if (loopbackIndex == 0) {
            rt.links().setUp(LOOPBACK);
            loopbackIndex = rt.links().require(LOOPBACK).index();
        }
        return loopbackIndex;
    }

    /** Host-prefix, non-loopback addresses on {@code lo}: the VIPs bound so far. */
    Set<InetAddress> bound() {
        int lo = loopback();
        Set<InetAddress> out = new HashSet<>();
        for (Address a : rt.addresses().list(lo)) {
            if (!a.address().isLoopbackAddress() && a.prefixLength() == hostPrefix(a.address())) {
                out.add(a.address());
            }
        }
        return out;
    }

    /** Binds {@code vip}; true when it was not bound yet. */
    boolean bind(InetAddress vip) {
        try {
            rt.addresses().add(loopback(), vip, hostPrefix(vip));
            return true;
        } catch (NetlinkException e) {
            if (e.is(Errno.EEXIST)) {
                return false;
            }
            throw e;
        }
    }

    /**
     * The source address the kernel picks for a connection from this namespace to {@code target}
     * ({@code RTM_GETROUTE}, as {@code ip route get} shows it); empty when there is no route.
     */
    Optional<InetAddress> sourceFor(InetAddress target) {
        MessageBuilder b = new MessageBuilder().begin(RtnetlinkH.RTM_GETROUTE, 0);
        new RtMsg(family(target), hostPrefix(target), 0, 0, 0, 0, 0, 0, 0).encode(b);
        b.putAddress(RtnetlinkH.RTA_DST, target);
        try {
            List<InetAddress> out = rt.socket()
                    .query(b, "route to " + target.getHostAddress(), (m, o) -> m.attributes(RtMsg.SIZE, "rtmsg")
                            .find(RtnetlinkH.RTA_PREFSRC)
                            .map(Attribute::address)
                            .ifPresent(o::add));
            return out.stream().findFirst();
        } catch (NetlinkException e) {
            if (e.is(Errno.ENETUNREACH) || e.is(Errno.EHOSTUNREACH)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Gives {@code vip}'s local route (the one binding it made, in the local table) the preferred
     * source {@code source}. Without it, the kernel uses the VIP itself as the source of a
     * connection that a process in this namespace opens to the VIP without binding (the route to
     * a local address prefers that address), IPVS rewrites only the destination, and the backend
     * answers a VIP it has no route to: the connection hangs. With it, such a connection leaves
     * from {@code source}, the address this namespace reaches the backends from. Routed clients
     * are not affected (their source is their own). kube-proxy's IPVS mode needs no such thing
     * because it masquerades that traffic; Shoal does not want a SNAT per connection.
     */
    void preferSource(InetAddress vip, InetAddress source) {
        MessageBuilder b =
                new MessageBuilder().begin(RtnetlinkH.RTM_NEWROUTE, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_REPLACE);
        new RtMsg(
                        family(vip),
                        hostPrefix(vip),
                        0,
                        0,
                        RtnetlinkH.RT_TABLE_LOCAL,
                        RtnetlinkH.RTPROT_BOOT,
                        RtnetlinkH.RT_SCOPE_HOST,
                        RtnetlinkH.RTN_LOCAL,
                        0)
                .encode(b);
        b.putAddress(RtnetlinkH.RTA_DST, vip);
        b.putU32(RtnetlinkH.RTA_OIF, loopback());
        b.putAddress(RtnetlinkH.RTA_PREFSRC, source);
        rt.socket().execute(b, "prefer source " + source.getHostAddress() + " for VIP " + vip.getHostAddress());
    }

    /** Unbinds {@code vip}; true when it was bound. */
    boolean unbind(InetAddress vip) {
        // The kernel removes an address's local route only if its source is still the address
        // itself, so a route that preferSource changed is deleted here first.
        MessageBuilder route = new MessageBuilder().begin(RtnetlinkH.RTM_DELROUTE, 0);
        // Scope host: the kernel matches a delete's scope exactly (0 would miss this route).
        new RtMsg(
                        family(vip),
                        hostPrefix(vip),
                        0,
                        0,
                        RtnetlinkH.RT_TABLE_LOCAL,
                        0,
                        RtnetlinkH.RT_SCOPE_HOST,
                        RtnetlinkH.RTN_LOCAL,
                        0)
                .encode(route);
        route.putAddress(RtnetlinkH.RTA_DST, vip);
        try {
            rt.socket().execute(route, "delete the local route of VIP " + vip.getHostAddress());
        } catch (NetlinkException e) {
            if (!e.is(Errno.ESRCH) && !e.is(Errno.ENOENT)) {
                throw e;
            }
        }
        try {
            rt.addresses().delete(loopback(), vip, hostPrefix(vip));
            return true;
        } catch (NetlinkException e) {
            if (e.is(Errno.EADDRNOTAVAIL) || e.is(Errno.ENOENT)) {
                return false;
            }
            throw e;
        }
    }

    private static int family(InetAddress a) {
        return a instanceof Inet6Address ? SocketH.AF_INET6 : SocketH.AF_INET;
    }

    static int hostPrefix(InetAddress a) {
        return a instanceof Inet6Address ? 128 : 32;
    }
}
