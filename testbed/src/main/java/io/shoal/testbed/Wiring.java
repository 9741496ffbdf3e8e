package io.shoal.testbed;

import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.route.Link;
import io.shoal.netlink.route.Links;
import io.shoal.netlink.route.RouteNetlink;
import java.net.Inet4Address;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * The testbed's network configuration, done through the {@code netlink} module: namespaces, the
 * fabric bridge, each member's veth and address, and the fabric-side link state that cut and heal
 * flip. Nothing here starts a process.
 *
 * <p>Links are only ever created inside testbed namespaces: a member's veth is created in the fabric
 * namespace with its peer created directly in the member's namespace (by descriptor), so the
 * machine's root namespace never sees it. Every socket and namespace descriptor is closed before a
 * call returns, so deleting a namespace's name really frees the namespace.
 *
 * <p>Kernel refusals surface as {@link TestbedException} naming the step, with the {@link
 * NetlinkException} (operation, errno, kernel message) as cause.
 */
final class Wiring {
    /** The root namespace of this JVM: the namespace of its main thread, whatever thread asks. */
    private static final Path OWN_NAMESPACE = Path.of("/proc/self/ns/net");

    private static final String LOOPBACK = "lo";

    private Wiring() {}

    /** Creates the named namespace {@code /run/netns/<ns>} (loopback still down). */
    static void addNamespace(String ns) {
        step("create namespace " + ns, () -> {
            NetNs.create(ns).close();
            return null;
        });
    }

    /** Deletes a named namespace; one that is already gone is not an error. */
    static void deleteNamespace(String ns) {
        step("delete namespace " + ns, () -> NetNs.deleteIfPresent(ns));
    }

    /** Creates {@code bridge} in {@code ns} and brings it and the namespace's loopback up. */
    static void addBridge(String ns, String bridge) {
        inNamespace(ns, "create bridge " + bridge + " in " + ns, rt -> {
            Links links = rt.links();
            links.createBridge(bridge);
            links.setUp(bridge);
            links.setUp(LOOPBACK);
            return null;
        });
    }

    /**
     * Creates a veth pair with one end {@code fabricLink} on {@code bridge} in {@code fabricNs} and the
     * other end {@code memberLink} in {@code memberNs} carrying {@code address/prefixLength}; brings
     * both ends and the member's loopback up.
     */
    static void plugIn(
            String fabricNs,
            String bridge,
            String fabricLink,
            String memberNs,
            String memberLink,
            Inet4Address address,
            int prefixLength) {
        String what = "plug " + memberNs + " (" + memberLink + " " + address.getHostAddress() + "/" + prefixLength
                + ") into " + bridge + " in " + fabricNs + " as " + fabricLink;
        step(what, () -> {
            try (NetNs member = NetNs.open(memberNs);
                    NetNs fabric = NetNs.open(fabricNs);
                    RouteNetlink fab = RouteNetlink.open(fabric);
                    RouteNetlink mem = RouteNetlink.open(member)) {
                fab.links().createVeth(fabricLink, memberLink, member);
                fab.links().setMaster(fabricLink, bridge);
                fab.links().setUp(fabricLink);
                int index = mem.links().require(memberLink).index();
                mem.addresses().add(index, address, prefixLength);
                mem.links().setUp(memberLink);
                mem.links().setUp(LOOPBACK);
            }
            return null;
        });
    }

    /** Sets {@code link} in {@code ns} administratively up or down. */
    static void setLink(String ns, String link, boolean up) {
        inNamespace(ns, "set " + link + " in " + ns + (up ? " up" : " down"), rt -> {
            if (up) {
                rt.links().setUp(link);
            } else {
                rt.links().setDown(link);
            }
            return null;
        });
    }

    /** True when {@code link} in {@code ns} is administratively up. */
    static boolean isLinkUp(String ns, String link) {
        return inNamespace(ns, "read the state of " + link + " in " + ns, rt -> rt.links()
                .require(link)
                .isUp());
    }

    /** Names of the links in this JVM's own (root) namespace. */
    static List<String> rootLinkNames() {
        return step("list the links of the root namespace", () -> {
            try (NetNs own = NetNs.openPath(OWN_NAMESPACE);
                    RouteNetlink rt = RouteNetlink.open(own)) {
                return rt.links().list().stream().map(Link::name).toList();
            }
        });
    }

    private static <T> T inNamespace(String ns, String what, Function<RouteNetlink, T> work) {
        return step(what, () -> {
            try (NetNs namespace = NetNs.open(ns);
                    RouteNetlink rt = RouteNetlink.open(namespace)) {
                return work.apply(rt);
            }
        });
    }

    private interface Step<T> {
        T run();
    }

    private static <T> T step(String what, Step<T> step) {
        try {
            return step.run();
        } catch (NetlinkException | UnsupportedOperationException e) {
            throw new TestbedException("cannot " + what + ": " + e.getMessage(), e);
        }
    }
}
