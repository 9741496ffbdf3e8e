package io.shoal.vxlan;

import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.route.Link;
import io.shoal.netlink.route.RouteNetlink;
import java.util.List;

/** Deleting a sandbox and everything in it, also after a failed ensure or for a stray. */
final class SandboxTeardown {
    private SandboxTeardown() {}

    static boolean destroyByName(String name) {
        if (!NetNs.exists(name)) {
            return false;
        }
        NetNs ns = NetNs.open(name);
        RouteNetlink rt;
        try {
            rt = RouteNetlink.open(ns);
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        destroy(name, ns, rt);
        return true;
    }

    /**
     * Links are deleted one by one before the namespace: the kernel dismantles a namespace lazily
     * (once the last reference is gone, on a work queue), and until then the vxlan device would
     * still hold its VNI and UDP port in the host namespace.
     */
    static void destroy(String name, NetNs ns, RouteNetlink rt) {
        try {
            List<Link> links = rt.links().list();
            // Endpoints first, then the vxlan device, the bridge last.
            links.stream()
                    .filter(l -> !l.name().equals("lo")
                            && !l.name().equals(OverlayDriver.VXLAN)
                            && !l.name().equals(OverlayDriver.BRIDGE))
                    .forEach(l -> rt.links().deleteIfPresent(l.name()));
            rt.links().deleteIfPresent(OverlayDriver.VXLAN);
            rt.links().deleteIfPresent(OverlayDriver.BRIDGE);
        } finally {
            try {
                rt.close();
                ns.close();
            } finally {
                NetNs.deleteIfPresent(name);
            }
        }
    }

    static void destroyQuietly(String name, NetNs ns, RouteNetlink rt, RuntimeException failure) {
        try {
            if (rt != null) {
                destroy(name, ns, rt);
            } else {
                ns.close();
                NetNs.deleteIfPresent(name);
            }
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    static void closeQuietly(RouteNetlink rt, NetNs ns, RuntimeException failure) {
        try {
            if (rt != null) {
                rt.close();
            }
            if (ns != null) {
                ns.close();
            }
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
