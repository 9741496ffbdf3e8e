package io.shoal.vxlan;

import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.route.Link;
import io.shoal.netlink.route.Links;
import io.shoal.netlink.route.MacAddress;
import io.shoal.netlink.route.RouteNetlink;
import io.shoal.netlink.route.VxlanSpec;
import java.io.Closeable;
import java.net.Inet4Address;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Overlay networks on one host. Each network gets a sandbox namespace holding a bridge {@code br0}
 * (with the subnet's gateway address) and a vxlan device {@code vxlan0} on it. The vxlan device is
 * created in the host namespace (local VTEP = the host's underlay address, UDP 4789, learning off,
 * ARP proxy on) and then moved into the sandbox, so that its UDP socket stays in the host namespace
 * where the underlay is. Containers are attached with a veth pair (one end on {@code br0}, the
 * other inside the container); remote endpoints are static neighbour and FDB entries on
 * {@code vxlan0}: nothing is flooded or learned.
 *
 * <p>Every call is idempotent: ensuring an existing network or attaching an attached endpoint checks
 * and repairs the kernel state. A driver restarted after a crash adopts what it finds by the same
 * calls, since every name is derived from the network id, the VNI or the endpoint IP. {@link
 * #close()} releases the driver's descriptors and sockets but leaves the kernel state (containers
 * keep their network while the agent restarts); {@link #removeNetwork} and {@link #removeAll}
 * delete it. Calls are serialized ({@code synchronized}).
 */
public final class OverlayDriver implements Closeable {
    /** The sandbox bridge. */
    public static final String BRIDGE = "br0";
    /** The sandbox vxlan device. */
    public static final String VXLAN = "vxlan0";
    /** Sandbox names start with this unless another prefix is given. */
    public static final String DEFAULT_SANDBOX_PREFIX = "sov-";
    /** Largest VNI (24 bits). */
    public static final int MAX_VNI = 0xffffff;

    private final HostUnderlay underlay;
    private final SandboxNames names;
    private final RouteNetlink host;
    private final int underlayIndex;
    private final int underlayMtu;
    private final Map<String, Sandbox> networks = new LinkedHashMap<>();
    private boolean closed;

    private OverlayDriver(
            HostUnderlay underlay, SandboxNames names, RouteNetlink host, int underlayIndex, int underlayMtu) {
        this.underlay = underlay;
        this.names = names;
        this.host = host;
        this.underlayIndex = underlayIndex;
        this.underlayMtu = underlayMtu;
    }

    /**
     * A driver for the host whose underlay is {@code underlay}.
     *
     * @param sandboxPrefix starts the name of every sandbox namespace this driver makes
     * @throws IllegalArgumentException when the underlay device is missing from the host namespace,
     *     or does not hold the underlay address
     */
    public static OverlayDriver open(HostUnderlay underlay, String sandboxPrefix) {
        Objects.requireNonNull(underlay, "underlay");
        SandboxNames names = new SandboxNames(sandboxPrefix);
        RouteNetlink host = RouteNetlink.open(underlay.namespace());
        try {
            Link device = host.links()
                    .get(underlay.device())
                    .orElseThrow(() -> new IllegalArgumentException(
                            "underlay device \"" + underlay.device() + "\" not found in namespace "
                                    + underlay.namespace().name()));
            boolean holds = host.addresses().list(device.index()).stream()
                    .anyMatch(a -> a.address().equals(underlay.address()));
            if (!holds) {
                throw new IllegalArgumentException(
                        "underlay address " + underlay.address().getHostAddress()
                                + " is not on \"" + underlay.device() + "\" in namespace "
                                + underlay.namespace().name());
            }
            return new OverlayDriver(underlay, names, host, device.index(), device.mtu());
        } catch (RuntimeException e) {
            host.close();
            throw e;
        }
    }

    /** A driver with the {@link #DEFAULT_SANDBOX_PREFIX}. */
    public static OverlayDriver open(HostUnderlay underlay) {
        return open(underlay, DEFAULT_SANDBOX_PREFIX);
    }

    /** The underlay device's MTU, read at open. */
    public int underlayMtu() {
        return underlayMtu;
    }

    /** The sandbox namespace name network {@code id} gets. */
    public String sandboxName(String id) {
        return names.sandbox(id);
    }

    /** {@link #ensureNetwork(String, int, String, int)} with the default MTU (underlay − 50). */
    public OverlayNetwork ensureNetwork(String id, int vni, String subnet) {
        return ensureNetwork(id, vni, subnet, OverlayMtu.DEFAULT);
    }

    /**
     * Makes sure network {@code id} exists on this host: its sandbox namespace, {@code br0} with the
     * subnet's gateway, {@code vxlan0} with {@code vni} on the bridge, the MTU on both, all up. An
     * existing sandbox (this driver's, or one left by an earlier process) is checked and repaired.
     * When a new sandbox cannot be completed, nothing of it is left.
     *
     * @param subnet e.g. {@code 100.64.1.0/24}
     * @param mtu {@link OverlayMtu#DEFAULT} (0) for the underlay MTU − 50
     * @throws IllegalArgumentException naming the field for a bad id, VNI, subnet or MTU, or a VNI
     *     another network of this driver uses
     * @throws IllegalStateException when the id is ensured with another VNI/subnet, or its sandbox
     *     holds another network's vxlan
     * @throws OverlayException when the kernel refuses a step (with the netlink error's text)
     */
    public synchronized OverlayNetwork ensureNetwork(String id, int vni, String subnet, int mtu) {
        checkOpen();
        SandboxNames.checkId(id);
        if (vni < 1 || vni > MAX_VNI) {
            throw new IllegalArgumentException("vni must be in [1, " + MAX_VNI + "], was " + vni);
        }
        Subnet s = Subnet.parse(subnet);
        int m = OverlayMtu.resolve(mtu, underlayMtu);
        String name = names.sandbox(id);
        Sandbox known = networks.get(id);
        if (known != null && (known.vni != vni || !known.subnet.equals(s) || known.mtu != m)) {
            throw new IllegalStateException("network \"" + id + "\" is already ensured with vni " + known.vni
                    + ", subnet " + known.subnet + ", mtu " + known.mtu + "; remove it before changing it");
        }
        for (Sandbox other : networks.values()) {
            if (!other.id.equals(id) && other.vni == vni) {
                throw new IllegalArgumentException(
                        "vni " + vni + " is already used by network \"" + other.id + "\" on this host");
            }
            if (!other.id.equals(id) && other.name.equals(name)) {
                throw new IllegalArgumentException("networkId \"" + id + "\" has the same first "
                        + SandboxNames.SHORT_ID_LENGTH + " characters as network \"" + other.id + "\"");
            }
        }
        String operation = "ensure network \"" + id + "\" (vni " + vni + ", subnet " + s + ", sandbox " + name + ")";
        if (known != null) {
            try {
                converge(known);
                return known.describe();
            } catch (NetlinkException e) {
                throw new OverlayException(operation, e);
            }
        }
        if (NetNs.isStale(name)) {
            // Its namespace died with the mount namespace that held it: nothing in it survived.
            NetNs.deleteIfPresent(name);
        }
        boolean created = !NetNs.exists(name);
        NetNs ns = null;
        RouteNetlink rt = null;
        try {
            ns = created ? NetNs.create(name) : NetNs.open(name);
            rt = RouteNetlink.open(ns);
            Sandbox sandbox = new Sandbox(id, vni, s, m, name, ns, rt);
            converge(sandbox);
            networks.put(id, sandbox);
            return sandbox.describe();
        } catch (RuntimeException e) {
            if (created && ns != null) {
                SandboxTeardown.destroyQuietly(name, ns, rt, e);
            } else {
                SandboxTeardown.closeQuietly(rt, ns, e);
            }
            throw e instanceof NetlinkException n ? new OverlayException(operation, n) : e;
        }
    }

    private void converge(Sandbox sb) {
        Links links = sb.rt.links();
        Optional<Link> vxlan = links.get(VXLAN);
        if (vxlan.isPresent()) {
            int found = vxlan.get().vxlan().map(VxlanSpec::vni).orElse(-1);
            if (found != sb.vni) {
                throw new IllegalStateException("sandbox " + sb.name + " holds a \"" + VXLAN + "\" with vni " + found
                        + ", not " + sb.vni + ": it belongs to another network; remove it first");
            }
        } else {
            createVxlanInSandbox(sb);
        }
        Link bridge = links.get(BRIDGE).orElse(null);
        if (bridge == null) {
            links.createBridge(BRIDGE);
            bridge = links.require(BRIDGE);
        }
        Link vx = links.require(VXLAN);
        if (vx.mtu() != sb.mtu) {
            links.setMtu(VXLAN, sb.mtu);
        }
        if (bridge.mtu() != sb.mtu) {
            links.setMtu(BRIDGE, sb.mtu);
        }
        if (vx.masterIndex() != bridge.index()) {
            links.setMaster(VXLAN, BRIDGE);
        }
        ensureAddress(sb.rt, bridge.index(), sb.subnet.gateway(), sb.subnet.prefixLength());
        links.setUp("lo");
        links.setUp(BRIDGE);
        links.setUp(VXLAN);
        sb.vxlanIndex = vx.index();
        sb.bridgeIndex = bridge.index();
    }

    /**
     * Created in the host namespace so that the device's UDP socket (opened in the namespace the
     * device was created in) listens on the underlay; then moved and renamed in one request.
     */
    private void createVxlanInSandbox(Sandbox sb) {
        String temporary = SandboxNames.hostVxlan(sb.vni);
        // Only an ensure interrupted between create and move leaves this name behind.
        host.links().deleteIfPresent(temporary);
        VxlanRequest.create(host.socket(), temporary, sb.vni, VxlanSpec.IANA_PORT, underlay.address(), underlayIndex);
        try {
            host.links().moveToNamespace(temporary, sb.namespace, VXLAN);
        } catch (RuntimeException e) {
            host.links().deleteIfPresent(temporary);
            throw e;
        }
    }

    private static void ensureAddress(RouteNetlink rt, int index, Inet4Address address, int prefixLength) {
        boolean present = rt.addresses().list(index).stream()
                .anyMatch(a -> a.address().equals(address) && a.prefixLength() == prefixLength);
        if (!present) {
            rt.addresses().add(index, address, prefixLength);
        }
    }

    /**
     * Attaches a container to network {@code networkId}: a veth pair whose sandbox end
     * ({@code ve<ip hex>}) is on {@code br0} and whose other end is created inside the container as
     * {@code ifName}, with {@code ip}, the MAC derived from it, the network's MTU, up (and the
     * container's {@code lo} up). Attaching again checks and repairs the same endpoint.
     *
     * @param ip the endpoint address with the network's prefix, e.g. {@code 100.64.1.2/24}
     * @throws IllegalArgumentException naming the field for a bad name or address (outside the
     *     subnet, the gateway, another prefix length)
     * @throws IllegalStateException when {@code ifName} is taken in the container by another link,
     *     or the network was not ensured by this driver
     * @throws OverlayException when the container namespace cannot be opened or the kernel refuses a
     *     step; a veth made by the failed call is removed
     */
    public synchronized Endpoint attach(String networkId, ContainerNamespace container, String ifName, String ip) {
        Sandbox sb = require(networkId);
        Objects.requireNonNull(container, "container");
        SandboxNames.checkInterfaceName(ifName);
        IpPrefix address = IpPrefix.parse("ip", ip);
        sb.subnet.checkEndpointAddress("ip", address.address());
        if (address.prefixLength() != sb.subnet.prefixLength()) {
            throw new IllegalArgumentException("ip must have the network's prefix length /" + sb.subnet.prefixLength()
                    + " (subnet " + sb.subnet + "), was \"" + ip + "\"");
        }
        MacAddress mac = Macs.fromIp(address.address());
        String veth = SandboxNames.sandboxVeth(address.address());
        String operation =
                "attach " + address + " as " + ifName + " in " + container + " to network \"" + networkId + "\"";
        NetNs inside;
        try {
            inside = container.open();
        } catch (NetlinkException e) {
            throw new OverlayException(operation + ": cannot open the container namespace", e);
        }
        try (NetNs ns = inside;
                RouteNetlink crt = RouteNetlink.open(ns)) {
            Links sandboxLinks = sb.rt.links();
            Links containerLinks = crt.links();
            Optional<Link> in = containerLinks.get(ifName);
            Optional<Link> out = sandboxLinks.get(veth);
            boolean existing = in.isPresent()
                    && out.isPresent()
                    && in.get().kind().equals(Optional.of("veth"))
                    && in.get().mac().equals(Optional.of(mac));
            if (in.isPresent() && !existing) {
                throw new IllegalStateException("ifName \"" + ifName + "\" already exists in container namespace "
                        + container + " (" + in.get().kind().orElse("device") + ", mac "
                        + in.get().mac().map(MacAddress::toString).orElse("none")
                        + "): detach it or choose another name");
            }
            if (!existing) {
                // A sandbox end without its container end: the container went away. Start afresh.
                sandboxLinks.deleteIfPresent(veth);
                sandboxLinks.createVeth(veth, ifName, ns);
            }
            try {
                configureContainerEnd(crt, ifName, mac, address, sb.mtu);
                configureSandboxEnd(sb, veth, mac);
            } catch (RuntimeException e) {
                if (!existing) {
                    deleteQuietly(sandboxLinks, veth, e);
                }
                throw e;
            }
            return new Endpoint(networkId, container, ifName, address, mac, veth, sb.mtu);
        } catch (NetlinkException e) {
            throw new OverlayException(operation, e);
        }
    }

    private static void configureContainerEnd(
            RouteNetlink crt, String ifName, MacAddress mac, IpPrefix address, int mtu) {
        Links links = crt.links();
        Link link = links.require(ifName);
        if (!link.mac().equals(Optional.of(mac))) {
            links.setMac(ifName, mac);
        }
        if (link.mtu() != mtu) {
            links.setMtu(ifName, mtu);
        }
        ensureAddress(crt, link.index(), address.address(), address.prefixLength());
        links.setUp(ifName);
        links.setUp("lo");
    }

    /**
     * Puts the sandbox end on the bridge and pins the endpoint's MAC to it. The pin matters when an
     * address comes back on this host after living on another one (the allocator reuses freed
     * addresses, and the MAC follows the address): the bridge learned that MAC behind the vxlan port
     * while it was remote, and until the container itself sends a frame it would keep forwarding
     * frames for it into the tunnel, where no host has it any more.
     */
    private static void configureSandboxEnd(Sandbox sb, String veth, MacAddress mac) {
        Links links = sb.rt.links();
        Link link = links.require(veth);
        if (link.mtu() != sb.mtu) {
            links.setMtu(veth, sb.mtu);
        }
        if (link.masterIndex() != sb.bridgeIndex) {
            links.setMaster(veth, BRIDGE);
        }
        sb.rt.fdb().pinToPort(link.index(), mac);
        links.setUp(veth);
    }

    /**
     * Detaches the endpoint with address {@code ip} from network {@code networkId}: deletes its veth
     * (both ends). Returns whether it was there.
     */
    public synchronized boolean detach(String networkId, Inet4Address ip) {
        Sandbox sb = require(networkId);
        Objects.requireNonNull(ip, "ip");
        try {
            return sb.rt.links().deleteIfPresent(SandboxNames.sandboxVeth(ip));
        } catch (NetlinkException e) {
            throw new OverlayException("detach " + ip.getHostAddress() + " from network \"" + networkId + "\"", e);
        }
    }

    /**
     * Programs a remote endpoint: the static neighbour entry (IP→MAC, {@code NUD_PERMANENT}) on
     * {@code vxlan0}, which the device's ARP proxy answers from, and the FDB entry (MAC→VTEP). Both go
     * in one datagram; adding again replaces.
     */
    public synchronized void addRemote(String networkId, Remote remote) {
        Sandbox sb = require(networkId);
        checkRemote(sb, remote);
        RemoteEntries.add(sb, remote, "add remote " + remote + " to network \"" + networkId + "\"");
    }

    /** Removes a remote endpoint's neighbour and FDB entries; entries already gone are fine. */
    public synchronized void removeRemote(String networkId, Remote remote) {
        Sandbox sb = require(networkId);
        Objects.requireNonNull(remote, "remote");
        RemoteEntries.remove(sb, remote, "remove remote " + remote + " from network \"" + networkId + "\"");
    }

    /**
     * Makes the network's remote entries exactly {@code desired}: reads what is programmed on
     * {@code vxlan0}, removes stale entries and adds missing ones, all through batched requests (many
     * per datagram).
     */
    public synchronized RemoteSync syncRemotes(String networkId, Set<Remote> desired) {
        Sandbox sb = require(networkId);
        Objects.requireNonNull(desired, "desired");
        for (Remote r : desired) {
            checkRemote(sb, r);
        }
        return RemoteEntries.sync(sb, desired, "sync " + desired.size() + " remotes of network \"" + networkId + "\"");
    }

    /** The remotes programmed on the network (neighbour and FDB entries joined by MAC). */
    public synchronized Set<Remote> remotes(String networkId) {
        Sandbox sb = require(networkId);
        return RemoteEntries.programmed(sb, "list remotes of network \"" + networkId + "\"");
    }

    private void checkRemote(Sandbox sb, Remote remote) {
        Objects.requireNonNull(remote, "remote");
        sb.subnet.checkEndpointAddress("remote ip", remote.ip());
        if (remote.vtep().equals(underlay.address())) {
            throw new IllegalArgumentException("remote vtep " + remote.vtep().getHostAddress()
                    + " is this host's own underlay address: attach local endpoints instead");
        }
    }

    /**
     * Deletes network {@code id}'s sandbox and everything in it (endpoint veths, so the containers'
     * interfaces too, {@code vxlan0}, {@code br0}). Works for a sandbox left by an earlier process too.
     * Returns whether there was one.
     */
    public synchronized boolean removeNetwork(String id) {
        checkOpen();
        SandboxNames.checkId(id);
        Sandbox sb = networks.remove(id);
        String name = sb != null ? sb.name : names.sandbox(id);
        try {
            if (sb != null) {
                SandboxTeardown.destroy(name, sb.namespace, sb.rt);
                return true;
            }
            return SandboxTeardown.destroyByName(name);
        } catch (NetlinkException e) {
            throw new OverlayException("remove network \"" + id + "\" (sandbox " + name + ")", e);
        }
    }

    /**
     * Deletes every sandbox named with this driver's prefix, the ones it ensured and strays left by
     * an earlier process. Returns how many.
     */
    public synchronized int removeAll() {
        checkOpen();
        int removed = 0;
        for (String id : List.copyOf(networks.keySet())) {
            removed += removeNetwork(id) ? 1 : 0;
        }
        for (String name : sandboxes()) {
            try {
                removed += SandboxTeardown.destroyByName(name) ? 1 : 0;
            } catch (NetlinkException e) {
                throw new OverlayException("remove sandbox " + name, e);
            }
        }
        return removed;
    }

    /**
     * Makes this host's overlay state exactly {@code desired}, e.g. after the agent restarted or was
     * killed mid-way: sandboxes with this driver's prefix that are not desired are deleted, vxlan
     * devices left in the host namespace by an interrupted ensure ({@code vxt*}) are deleted, each
     * desired network is ensured, its endpoints attached, veths of other endpoints deleted from its
     * sandbox, and its remotes synced. Everything found that matches is adopted, not rebuilt.
     */
    public synchronized ReconcileResult reconcile(List<DesiredNetwork> desired) {
        checkOpen();
        Objects.requireNonNull(desired, "desired");
        Map<String, DesiredNetwork> byId = new LinkedHashMap<>();
        for (DesiredNetwork n : desired) {
            if (byId.put(n.id(), n) != null) {
                throw new IllegalArgumentException("desired: network \"" + n.id() + "\" given twice");
            }
        }
        int networksRemoved = 0;
        for (String id : List.copyOf(networks.keySet())) {
            if (!byId.containsKey(id)) {
                networksRemoved += removeNetwork(id) ? 1 : 0;
            }
        }
        Set<String> wanted = new HashSet<>();
        byId.keySet().forEach(id -> wanted.add(names.sandbox(id)));
        int strayVxlans = 0;
        try {
            for (String name : sandboxes()) {
                if (!wanted.contains(name)) {
                    networksRemoved += SandboxTeardown.destroyByName(name) ? 1 : 0;
                }
            }
            for (Link l : host.links().list()) {
                if (l.name().startsWith("vxt") && l.kind().equals(Optional.of("vxlan"))) {
                    strayVxlans += host.links().deleteIfPresent(l.name()) ? 1 : 0;
                }
            }
        } catch (NetlinkException e) {
            throw new OverlayException("reconcile: remove strays", e);
        }
        int endpointsRemoved = 0;
        int remoteChanges = 0;
        for (DesiredNetwork n : byId.values()) {
            Subnet subnet = Subnet.parse(n.subnet());
            int mtu = OverlayMtu.resolve(n.mtu(), underlayMtu);
            Sandbox known = networks.get(n.id());
            boolean differs = known != null
                    ? known.vni != n.vni() || !known.subnet.equals(subnet) || known.mtu != mtu
                    : foundSandboxDiffers(names.sandbox(n.id()), n.vni(), subnet);
            if (differs) {
                // Another VNI or subnet: rebuilt, since endpoints' addresses change with it.
                removeNetwork(n.id());
                networksRemoved++;
            }
            ensureNetwork(n.id(), n.vni(), n.subnet(), n.mtu());
            Set<String> veths = new HashSet<>();
            for (DesiredNetwork.LocalEndpoint e : n.endpoints()) {
                veths.add(attach(n.id(), e.container(), e.ifName(), e.ip()).sandboxLink());
            }
            Sandbox sb = networks.get(n.id());
            try {
                for (Link l : sb.rt.links().list()) {
                    boolean infrastructure = l.name().equals("lo")
                            || l.name().equals(BRIDGE)
                            || l.name().equals(VXLAN);
                    if (!infrastructure && !veths.contains(l.name())) {
                        endpointsRemoved += sb.rt.links().deleteIfPresent(l.name()) ? 1 : 0;
                    }
                }
            } catch (NetlinkException e) {
                throw new OverlayException("reconcile network \"" + n.id() + "\": remove stray endpoints", e);
            }
            remoteChanges += syncRemotes(n.id(), n.remotes()).changes();
        }
        return new ReconcileResult(networksRemoved, strayVxlans, endpointsRemoved, remoteChanges);
    }

    /** Whether a sandbox left by an earlier process holds another VNI or another gateway. */
    private static boolean foundSandboxDiffers(String name, int vni, Subnet subnet) {
        if (!NetNs.exists(name)) {
            return false;
        }
        try (NetNs ns = NetNs.open(name);
                RouteNetlink rt = RouteNetlink.open(ns)) {
            Optional<Link> vx = rt.links().get(VXLAN);
            if (vx.isPresent() && vx.get().vxlan().map(VxlanSpec::vni).orElse(-1) != vni) {
                return true;
            }
            Optional<Link> br = rt.links().get(BRIDGE);
            return br.isPresent()
                    && rt.addresses().list(br.get().index()).stream()
                            .filter(a -> a.address() instanceof Inet4Address)
                            .anyMatch(a ->
                                    !a.address().equals(subnet.gateway()) || a.prefixLength() != subnet.prefixLength());
        } catch (NetlinkException e) {
            throw new OverlayException("reconcile: inspect sandbox " + name, e);
        }
    }

    /** Names of the sandbox namespaces with this driver's prefix that exist now. */
    public List<String> sandboxes() {
        return NetNs.list().stream().filter(names::isSandbox).sorted().toList();
    }

    /** The networks this driver ensured. */
    public synchronized List<OverlayNetwork> networks() {
        return networks.values().stream().map(Sandbox::describe).toList();
    }

    private static void deleteQuietly(Links links, String name, RuntimeException failure) {
        try {
            links.deleteIfPresent(name);
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private Sandbox require(String networkId) {
        checkOpen();
        SandboxNames.checkId(networkId);
        Sandbox sb = networks.get(networkId);
        if (sb == null) {
            throw new IllegalStateException(
                    "network \"" + networkId + "\" is not ensured on this host: call ensureNetwork first");
        }
        return sb;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the overlay driver is closed");
        }
    }

    /**
     * Closes the driver's sockets and namespace descriptors. The kernel state stays: containers keep
     * their network, and a new driver adopts it through {@link #ensureNetwork} (or removes it).
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            for (Sandbox sb : networks.values()) {
                sb.close();
            }
            networks.clear();
        } finally {
            host.close();
        }
    }

    @Override
    public String toString() {
        return "OverlayDriver[" + underlay.address().getHostAddress() + " on " + underlay.device() + ", "
                + names.prefix() + "*]";
    }
}
