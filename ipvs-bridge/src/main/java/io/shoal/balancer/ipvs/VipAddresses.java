package io.shoal.balancer.ipvs;

import io.shoal.netlink.Errno;
import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.route.Address;
import io.shoal.netlink.route.RouteNetlink;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.Set;

/**
 * Keeps the VIPs as host addresses (/32, /128) on the namespace's {@code lo}. IPVS intercepts a
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

    /** Unbinds {@code vip}; true when it was bound. */
    boolean unbind(InetAddress vip) {
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

    static int hostPrefix(InetAddress a) {
        return a instanceof Inet6Address ? 128 : 32;
    }
}
