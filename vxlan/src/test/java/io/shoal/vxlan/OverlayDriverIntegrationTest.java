package io.shoal.vxlan;

import static io.shoal.vxlan.PureLogicTest.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.shoal.netlink.Errno;
import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.route.Link;
import io.shoal.netlink.route.MacAddress;
import io.shoal.netlink.route.Route;
import io.shoal.netlink.route.RouteNetlink;
import io.shoal.testbed.Host;
import io.shoal.testbed.Requirements;
import io.shoal.testbed.Testbed;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The overlay on real kernels: three testbed hosts (namespaces on a 198.18.0.0/16 fabric), one
 * driver per host, "containers" as namespaces, TCP exchanges through VXLAN over the fabric.
 */
@Tag("integration")
class OverlayDriverIntegrationTest {
    static final Duration FAIL_FAST = Duration.ofSeconds(1);
    static Testbed testbed;

    String run;
    Containers containers;
    final List<OverlayDriver> drivers = new ArrayList<>();
    final List<NetNs> hostNamespaces = new ArrayList<>();

    @BeforeAll
    static void startTestbed() {
        Requirements.requireRoot();
        testbed = Testbed.builder().hosts(3).start();
    }

    @AfterAll
    static void stopTestbed() {
        if (testbed != null) {
            testbed.close();
        }
    }

    @BeforeEach
    void prefix() {
        run = String.format("vt%04x", ThreadLocalRandom.current().nextInt(0x10000));
        containers = new Containers(run);
    }

    @AfterEach
    void cleanUp() {
        try {
            for (OverlayDriver d : drivers) {
                try {
                    d.removeAll();
                } catch (IllegalStateException closed) {
                    // closed by the test; the sweep below still removes its sandboxes
                }
                d.close();
            }
            hostNamespaces.forEach(NetNs::close);
        } finally {
            containers.close();
            NetNs.list().stream().filter(n -> n.startsWith(run)).forEach(NetNs::deleteIfPresent);
        }
    }

    OverlayDriver driver(int host) {
        return driver(host, run + "h" + host + "-");
    }

    OverlayDriver driver(int host, String prefix) {
        Host h = testbed.host(host);
        NetNs ns = NetNs.open(h.namespace());
        hostNamespaces.add(ns);
        OverlayDriver d = OverlayDriver.open(new HostUnderlay(ns, h.address(), Host.UPLINK), prefix);
        drivers.add(d);
        return d;
    }

    static Inet4Address vtep(int host) {
        return testbed.host(host).address();
    }

    static void awaitExchange(String from, String to, int port, String payload) {
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> Containers.exchange(from, to, port, payload, FAIL_FAST), payload::equals);
    }

    static Link link(String namespace, String name) {
        try (NetNs ns = NetNs.open(namespace);
                RouteNetlink rt = RouteNetlink.open(ns)) {
            return rt.links().require(name);
        }
    }

    static List<Link> links(String namespace) {
        try (NetNs ns = NetNs.open(namespace);
                RouteNetlink rt = RouteNetlink.open(ns)) {
            return rt.links().list();
        }
    }

    @Test
    void containersOnDifferentHostsTalkOverTcpAndUdpUntilARemoteIsRemoved() throws Exception {
        OverlayDriver d1 = driver(1);
        OverlayDriver d2 = driver(2);
        String net = "neta";
        OverlayNetwork n1 = d1.ensureNetwork(net, 4301, "100.64.1.0/24");
        d2.ensureNetwork(net, 4301, "100.64.1.0/24");
        String c1 = containers.create("1");
        String c2 = containers.create("2");
        Endpoint e1 = d1.attach(net, Containers.ref(c1), "eth0", "100.64.1.2/24");
        d2.attach(net, Containers.ref(c2), "eth0", "100.64.1.3/24");
        // h1 one by one, h2 in one batch among 100 other (unused) remotes on h3.
        Remote r2 = Remote.of(ip("100.64.1.3"), vtep(2));
        d1.addRemote(net, r2);
        Set<Remote> onH2 = new HashSet<>();
        onH2.add(Remote.of(ip("100.64.1.2"), vtep(1)));
        for (int i = 0; i < 100; i++) {
            onH2.add(Remote.of(ip("100.64.1." + (100 + i)), vtep(3)));
        }
        RemoteSync sync = d2.syncRemotes(net, onH2);
        assertThat(sync).isEqualTo(new RemoteSync(101, 0, 101, 0));
        assertThat(d2.remotes(net)).isEqualTo(onH2);
        assertThat(d1.remotes(net)).containsExactly(r2);

        containers.startEcho(c2, 7101);
        containers.startEcho(c1, 7102);
        // 200 KB: many full-size segments, so the MTU leaves room for the encapsulation.
        String big = "overlay".repeat(30_000);
        awaitExchange(c1, "100.64.1.3", 7101, big);
        awaitExchange(c2, "100.64.1.2", 7102, "back");
        containers.startUdpEcho(c2, 7103);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> Containers.udpExchange(c1, "100.64.1.3", 7103, "datagram"), "datagram"::equals);

        int underlayMtu = link(testbed.host(1).namespace(), Host.UPLINK).mtu();
        assertThat(d1.underlayMtu()).isEqualTo(underlayMtu);
        Link eth0 = link(c1, "eth0");
        assertThat(eth0.mtu()).isEqualTo(underlayMtu - 50).isEqualTo(n1.mtu());
        assertThat(eth0.mac()).contains(MacAddress.parse("02:42:64:40:01:02")).contains(e1.mac());
        assertThat(link(n1.sandbox(), OverlayDriver.VXLAN).mtu()).isEqualTo(underlayMtu - 50);

        d1.removeRemote(net, r2);
        assertThat(d1.remotes(net)).isEmpty();
        assertThat(Containers.exchange(c1, "100.64.1.3", 7101, "gone?", FAIL_FAST))
                .isEmpty();
        d1.removeRemote(net, r2); // already gone: fine
        d1.addRemote(net, r2);
        awaitExchange(c1, "100.64.1.3", 7101, "again");
    }

    /**
     * An address freed on one host and given to a container on another (the allocator reuses
     * addresses, and the MAC follows the address): the new host's bridge learned that MAC behind the
     * tunnel while it was remote, and would keep sending frames for it back into the tunnel, where
     * nobody has it, until the container itself sends something. Attaching pins the MAC to the
     * container's port, so the first connection from another host gets through.
     */
    @Test
    void anAddressThatMovesHereFromAnotherHostIsReachedBeforeItSendsAnything() throws Exception {
        OverlayDriver d1 = driver(1);
        OverlayDriver d2 = driver(2);
        OverlayDriver d3 = driver(3);
        String net = "netm";
        OverlayNetwork n1 = d1.ensureNetwork(net, 4310, "100.64.4.0/24");
        d2.ensureNetwork(net, 4310, "100.64.4.0/24");
        d3.ensureNetwork(net, 4310, "100.64.4.0/24");
        String c1 = containers.create("1");
        String c2 = containers.create("2");
        String before = containers.create("x3");
        d1.attach(net, Containers.ref(c1), "eth0", "100.64.4.2/24");
        d2.attach(net, Containers.ref(c2), "eth0", "100.64.4.3/24");
        Endpoint moving = d3.attach(net, Containers.ref(before), "eth0", "100.64.4.9/24");
        d1.syncRemotes(net, Set.of(Remote.of(ip("100.64.4.3"), vtep(2)), Remote.of(ip("100.64.4.9"), vtep(3))));
        d2.syncRemotes(net, Set.of(Remote.of(ip("100.64.4.2"), vtep(1)), Remote.of(ip("100.64.4.9"), vtep(3))));
        d3.syncRemotes(net, Set.of(Remote.of(ip("100.64.4.2"), vtep(1)), Remote.of(ip("100.64.4.3"), vtep(2))));
        // Traffic from .9 on h3 to h1: h1's bridge learns .9's MAC behind its vxlan port.
        containers.startEcho(c1, 7111);
        awaitExchange(before, "100.64.4.2", 7111, "from h3");
        int vxlanPort = link(n1.sandbox(), OverlayDriver.VXLAN).index();
        assertThat(bridgeEntries(n1.sandbox(), vxlanPort))
                .as("precondition: h1's bridge learned .9 behind the tunnel")
                .contains(moving.mac());

        // .9 leaves h3 and comes back on h1; the remotes follow, as the agents' tables would.
        assertThat(d3.detach(net, ip("100.64.4.9"))).isTrue();
        d1.syncRemotes(net, Set.of(Remote.of(ip("100.64.4.3"), vtep(2))));
        d2.syncRemotes(net, Set.of(Remote.of(ip("100.64.4.2"), vtep(1)), Remote.of(ip("100.64.4.9"), vtep(1))));
        String after = containers.create("x1");
        // As in a Docker container without IPv6: no neighbour discovery or MLD frame at link-up
        // that would make the bridge learn the MAC anew.
        noIpv6(after);
        Endpoint here = d1.attach(net, Containers.ref(after), "eth0", "100.64.4.9/24");
        assertThat(here.mac()).isEqualTo(moving.mac());
        int port = link(n1.sandbox(), here.sandboxLink()).index();
        assertThat(bridgeEntries(n1.sandbox(), port)).contains(here.mac());
        assertThat(bridgeEntries(n1.sandbox(), vxlanPort)).doesNotContain(here.mac());

        // The first connection from h2 gets through, with one attempt.
        containers.startEcho(after, 7112);
        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .until(() -> listening(after, 7112));
        assertThat(Containers.exchange(c2, "100.64.4.9", 7112, "to h1", Duration.ofSeconds(3)))
                .isEqualTo("to h1");
    }

    /** The MACs the bridge of {@code namespace} forwards to port {@code portIndex}. */
    static List<MacAddress> bridgeEntries(String namespace, int portIndex) {
        try (NetNs ns = NetNs.open(namespace);
                RouteNetlink rt = RouteNetlink.open(ns)) {
            return rt.fdb().list(portIndex).stream()
                    .filter(e -> (e.flags() & io.shoal.netlink.uapi.NeighbourH.NTF_MASTER) != 0
                            || (e.flags() & io.shoal.netlink.uapi.NeighbourH.NTF_SELF) == 0)
                    .map(io.shoal.netlink.route.FdbEntry::mac)
                    .toList();
        }
    }

    static void noIpv6(String namespace) throws Exception {
        for (String scope : List.of("all", "default")) {
            Process p = new ProcessBuilder(
                            "nsenter",
                            "--net=" + NetNs.RUN_NETNS.resolve(namespace),
                            "sysctl",
                            "-q",
                            "-w",
                            "net.ipv6.conf." + scope + ".disable_ipv6=1")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as("sysctl in %s: %s", namespace, out).isZero();
        }
    }

    /** Whether something listens on TCP {@code port} in {@code namespace} (ss -H -l). */
    static boolean listening(String namespace, int port) throws Exception {
        Process p = new ProcessBuilder(
                        "nsenter",
                        "--net=" + NetNs.RUN_NETNS.resolve(namespace),
                        "ss",
                        "-H",
                        "-ltn",
                        "sport = :" + port)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 && !out.isBlank();
    }

    @Test
    void networksWithDifferentVnisAreIsolatedAndAContainerOnBothReachesBoth() throws Exception {
        OverlayDriver d1 = driver(1);
        OverlayDriver d2 = driver(2);
        OverlayDriver d3 = driver(3);
        d1.ensureNetwork("neta", 4311, "100.64.1.0/24");
        d1.ensureNetwork("netb", 4312, "100.64.2.0/24");
        OverlayNetwork aOnH2 = d2.ensureNetwork("neta", 4311, "100.64.1.0/24");
        d3.ensureNetwork("netb", 4312, "100.64.2.0/24");
        String both = containers.create("1");
        String a2 = containers.create("2");
        String b3 = containers.create("3");
        d1.attach("neta", Containers.ref(both), "eth0", "100.64.1.2/24");
        d1.attach("netb", Containers.ref(both), "eth1", "100.64.2.2/24");
        d2.attach("neta", Containers.ref(a2), "eth0", "100.64.1.3/24");
        d3.attach("netb", Containers.ref(b3), "eth0", "100.64.2.3/24");
        d1.addRemote("neta", Remote.of(ip("100.64.1.3"), vtep(2)));
        d2.addRemote("neta", Remote.of(ip("100.64.1.2"), vtep(1)));
        d1.addRemote("netb", Remote.of(ip("100.64.2.3"), vtep(3)));
        d3.addRemote("netb", Remote.of(ip("100.64.2.2"), vtep(1)));
        containers.startEcho(a2, 7201);
        containers.startEcho(b3, 7202);
        awaitExchange(both, "100.64.1.3", 7201, "to a");
        awaitExchange(both, "100.64.2.3", 7202, "to b");

        // Give a2 every chance to reach b3 through network A: a route to B's subnet, b3's MAC, and
        // in A's sandbox on h2 an FDB entry sending b3's MAC to h3. Frames then leave h2 with A's
        // VNI, and h3, which has only B's, drops them.
        Inet4Address b3ip = ip("100.64.2.3");
        MacAddress b3mac = Macs.fromIp(b3ip);
        try (NetNs ns = NetNs.open(a2);
                RouteNetlink rt = RouteNetlink.open(ns)) {
            int eth0 = rt.links().require("eth0").index();
            rt.routes().add(Route.direct(ip("100.64.2.0"), 24, eth0));
            rt.neighbours().replace(eth0, b3ip, b3mac);
        }
        try (NetNs ns = NetNs.open(aOnH2.sandbox());
                RouteNetlink rt = RouteNetlink.open(ns)) {
            int vx = rt.links().require(OverlayDriver.VXLAN).index();
            rt.neighbours().replace(vx, b3ip, b3mac);
            rt.fdb().replace(vx, b3mac, vtep(3));
        }
        assertThat(Containers.exchange(a2, "100.64.2.3", 7202, "leak?", FAIL_FAST))
                .isEmpty();
        // a2 itself still reaches its own network's members.
        containers.startEcho(both, 7203);
        awaitExchange(a2, "100.64.1.2", 7203, "a to both");
    }

    @Test
    void ensureAndAttachAreIdempotentAndARestartedDriverAdoptsTheState() throws Exception {
        OverlayDriver d1 = driver(1);
        OverlayNetwork first = d1.ensureNetwork("neta", 4321, "100.64.1.0/24", 1400);
        Link vxlan = link(first.sandbox(), OverlayDriver.VXLAN);
        assertThat(d1.ensureNetwork("neta", 4321, "100.64.1.0/24", 1400)).isEqualTo(first);
        String c1 = containers.create("1");
        Endpoint e = d1.attach("neta", Containers.ref(c1), "eth0", "100.64.1.2/24");
        Link eth0 = link(c1, "eth0");
        assertThat(d1.attach("neta", Containers.ref(c1), "eth0", "100.64.1.2/24"))
                .isEqualTo(e);
        assertThat(link(c1, "eth0")).isEqualTo(eth0);
        assertThat(eth0.mtu()).isEqualTo(1400);
        assertThat(addresses(c1, eth0.index())).containsExactly("100.64.1.2/24");
        assertThat(addresses(
                        first.sandbox(),
                        link(first.sandbox(), OverlayDriver.BRIDGE).index()))
                .containsExactly("100.64.1.1/24");
        d1.addRemote("neta", Remote.of(ip("100.64.1.3"), vtep(2)));
        d1.addRemote("neta", Remote.of(ip("100.64.1.3"), vtep(2)));
        assertThat(d1.remotes("neta")).hasSize(1);

        // A new driver (an agent restart) finds the same sandbox, devices and endpoint.
        d1.close();
        OverlayDriver again = driver(1);
        assertThat(again.ensureNetwork("neta", 4321, "100.64.1.0/24", 1400)).isEqualTo(first);
        assertThat(link(first.sandbox(), OverlayDriver.VXLAN).index()).isEqualTo(vxlan.index());
        again.attach("neta", Containers.ref(c1), "eth0", "100.64.1.2/24");
        assertThat(link(c1, "eth0").index()).isEqualTo(eth0.index());
        assertThat(again.remotes("neta")).containsExactly(Remote.of(ip("100.64.1.3"), vtep(2)));
        assertThat(again.syncRemotes("neta", Set.of(Remote.of(ip("100.64.1.3"), vtep(2))))
                        .changes())
                .isZero();
        // A container whose end vanished is attached afresh.
        assertThat(again.detach("neta", ip("100.64.1.2"))).isTrue();
        assertThat(again.detach("neta", ip("100.64.1.2"))).isFalse();
        assertThat(links(c1)).extracting(Link::name).containsExactly("lo");
        again.attach("neta", Containers.ref(c1), "eth0", "100.64.1.2/24");
        assertThat(links(c1)).extracting(Link::name).contains("eth0");
    }

    @Test
    void removeNetworkAndRemoveAllLeaveNothingAndCloseReleasesDescriptors() throws Exception {
        long fdsBefore = openDescriptors();
        OverlayDriver d1 = driver(1);
        String hostNs = testbed.host(1).namespace();
        OverlayNetwork a = d1.ensureNetwork("neta", 4331, "100.64.1.0/24");
        OverlayNetwork b = d1.ensureNetwork("netb", 4332, "100.64.2.0/24");
        String c1 = containers.create("1");
        d1.attach("neta", Containers.ref(c1), "eth0", "100.64.1.2/24");
        d1.attach("netb", Containers.ref(c1), "eth1", "100.64.2.2/24");
        assertThat(d1.sandboxes()).containsExactly(a.sandbox(), b.sandbox());

        assertThat(d1.removeNetwork("neta")).isTrue();
        assertThat(NetNs.exists(a.sandbox())).isFalse();
        assertThat(links(c1)).extracting(Link::name).containsExactlyInAnyOrder("lo", "eth1");
        assertThat(d1.removeNetwork("neta")).isFalse();
        assertThat(d1.networks()).extracting(OverlayNetwork::id).containsExactly("netb");

        // The vxlan device was really deleted: its VNI can be used again at once.
        d1.ensureNetwork("neta", 4331, "100.64.1.0/24");
        assertThat(d1.removeAll()).isEqualTo(2);
        assertThat(d1.sandboxes()).isEmpty();
        assertThat(NetNs.list()).noneMatch(n -> n.startsWith(run + "h1-"));
        assertThat(links(c1)).extracting(Link::name).containsExactly("lo");
        assertThat(links(hostNs)).noneMatch(l -> l.kind().equals(Optional.of("vxlan")));

        d1.close();
        hostNamespaces.forEach(NetNs::close);
        hostNamespaces.clear();
        assertThat(openDescriptors()).isLessThanOrEqualTo(fdsBefore);
        assertThatThrownBy(() -> d1.ensureNetwork("neta", 4331, "100.64.1.0/24"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void badInputIsRefusedNamingTheFieldAndLeavesNothingHalfMade() throws Exception {
        OverlayDriver d1 = driver(1);
        assertThatThrownBy(() -> d1.ensureNetwork("neta", 0, "100.64.1.0/24"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("vni must be in [1, 16777215], was 0");
        assertThatThrownBy(() -> d1.ensureNetwork("neta", 1 << 24, "100.64.1.0/24"))
                .hasMessageStartingWith("vni must be");
        assertThatThrownBy(() -> d1.ensureNetwork("neta", 4341, "100.64.1.0"))
                .hasMessageStartingWith("subnet must be written a.b.c.d/n");
        assertThatThrownBy(() -> d1.ensureNetwork("neta", 4341, "100.64.1.0/24", 60))
                .hasMessageStartingWith("mtu must be at least 68");
        assertThatThrownBy(() -> d1.ensureNetwork("neta", 4341, "100.64.1.0/24", 1500))
                .hasMessageStartingWith("mtu must be at most");
        assertThatThrownBy(() -> d1.ensureNetwork("bad id", 4341, "100.64.1.0/24"))
                .hasMessageStartingWith("networkId must be");
        assertThat(d1.sandboxes()).isEmpty();

        d1.ensureNetwork("neta", 4341, "100.64.1.0/24");
        assertThatThrownBy(() -> d1.ensureNetwork("netb", 4341, "100.64.2.0/24"))
                .hasMessage("vni 4341 is already used by network \"neta\" on this host");
        assertThatThrownBy(() -> d1.ensureNetwork("neta", 4341, "100.64.9.0/24"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already ensured with vni 4341, subnet 100.64.1.0/24");
        String c1 = containers.create("1");
        assertThatThrownBy(() -> d1.attach("neta", Containers.ref(c1), "eth0", "100.64.2.2/24"))
                .hasMessage("ip 100.64.2.2 is outside the network's subnet 100.64.1.0/24");
        assertThatThrownBy(() -> d1.attach("neta", Containers.ref(c1), "eth0", "100.64.1.2/16"))
                .hasMessageContaining("ip must have the network's prefix length /24");
        assertThatThrownBy(() -> d1.attach("neta", Containers.ref(c1), "eth0", "100.64.1.1/24"))
                .hasMessageContaining("gateway");
        assertThatThrownBy(() -> d1.attach("nope", Containers.ref(c1), "eth0", "100.64.1.2/24"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("network \"nope\" is not ensured");
        assertThatThrownBy(() -> d1.addRemote("neta", Remote.of(ip("100.64.3.3"), vtep(2))))
                .hasMessageStartingWith("remote ip 100.64.3.3 is outside");
        assertThatThrownBy(() -> d1.addRemote("neta", Remote.of(ip("100.64.1.3"), vtep(1))))
                .hasMessageContaining("this host's own underlay address");

        // A missing container namespace: the kernel's answer, and no veth left in the sandbox.
        Path missing = NetNs.RUN_NETNS.resolve(run + "missing");
        assertThatThrownBy(() -> d1.attach("neta", ContainerNamespace.path(missing), "eth0", "100.64.1.2/24"))
                .isInstanceOf(OverlayException.class)
                .hasMessageContaining("cannot open the container namespace")
                .hasMessageContaining("ENOENT");
        String sandbox = d1.sandboxName("neta");
        assertThat(links(sandbox)).extracting(Link::name).containsExactlyInAnyOrder("lo", "br0", "vxlan0");
        // ifName taken by something else in the container.
        d1.attach("neta", Containers.ref(c1), "eth0", "100.64.1.2/24");
        assertThatThrownBy(() -> d1.attach("neta", Containers.ref(c1), "eth0", "100.64.1.4/24"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ifName \"eth0\" already exists in container namespace");
        assertThat(links(sandbox))
                .extracting(Link::name)
                .containsExactlyInAnyOrder("lo", "br0", "vxlan0", "ve64400102");

        // Another driver on the same host asks the kernel for the same VNI: its refusal, named, and
        // the second sandbox removed again.
        OverlayDriver other = driver(1, run + "x-");
        assertThatThrownBy(() -> other.ensureNetwork("netz", 4341, "100.64.5.0/24"))
                .isInstanceOf(OverlayException.class)
                .hasMessageContaining("ensure network \"netz\" (vni 4341")
                .hasMessageContaining("EEXIST")
                .satisfies(e -> assertThat(((OverlayException) e).netlinkCause())
                        .hasValueSatisfying(n -> assertThat(n.is(Errno.EEXIST)).isTrue()));
        assertThat(other.sandboxes()).isEmpty();
        assertThat(links(testbed.host(1).namespace())).noneMatch(l -> l.name().startsWith("vxt"));
    }

    @Test
    void reconcileAfterTheDriversProcessIsKilledLeavesExactlyTheDesiredState() throws Exception {
        String prefix = run + "h1-";
        String c1 = containers.create("1");
        String c2 = containers.create("2");
        Host h1 = testbed.host(1);
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(
                        javaBin,
                        "-cp",
                        System.getProperty("java.class.path"),
                        OverlayWorkload.class.getName(),
                        h1.namespace(),
                        h1.address().getHostAddress(),
                        prefix,
                        c1,
                        c2)
                .redirectErrorStream(true)
                .start();
        try {
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.equals("ready")) {
                // skip logging
            }
            assertThat(line).as("the workload reached ready").isEqualTo("ready");
            String sandboxA = prefix + "a";
            // Kill it while it programs remotes.
            await().atMost(Duration.ofSeconds(20)).until(() -> remoteNeighbours(sandboxA) >= 20);
        } finally {
            child.destroyForcibly().waitFor();
        }
        // An ensure interrupted between create and move leaves a vxlan in the host namespace.
        try (NetNs ns = NetNs.open(h1.namespace());
                RouteNetlink rt = RouteNetlink.open(ns)) {
            VxlanRequest.create(rt.socket(), SandboxNames.hostVxlan(4369), 4369, 4789, h1.address(), 0);
        }

        OverlayDriver d1 = driver(1);
        Set<Remote> remotes = Set.of(
                Remote.of(ip("100.64.1.10"), vtep(2)),
                Remote.of(ip("100.64.1.11"), vtep(2)),
                Remote.of(ip("100.64.1.99"), vtep(3)));
        DesiredNetwork a = new DesiredNetwork(
                "a",
                4361,
                "100.64.1.0/24",
                OverlayMtu.DEFAULT,
                List.of(new DesiredNetwork.LocalEndpoint(Containers.ref(c1), "eth0", "100.64.1.2/24")),
                remotes);
        // "b" is still desired, but with another VNI and subnet: its sandbox must be rebuilt.
        DesiredNetwork b = new DesiredNetwork("b", 4363, "100.64.3.0/24", OverlayMtu.DEFAULT, List.of(), Set.of());
        ReconcileResult result = d1.reconcile(List.of(a, b));
        assertThat(result).isEqualTo(new ReconcileResult(1, 1, 1, result.remoteChanges()));
        assertThat(result.remoteChanges()).isPositive();
        assertThat(link(prefix + "b", OverlayDriver.VXLAN).vxlan().orElseThrow().vni())
                .isEqualTo(4363);
        Link bridgeOfB = link(prefix + "b", OverlayDriver.BRIDGE);
        assertThat(addresses(prefix + "b", bridgeOfB.index())).containsExactly("100.64.3.1/24");
        assertThat(links(prefix + "b")).extracting(Link::name).containsExactlyInAnyOrder("lo", "br0", "vxlan0");
        // Then "b" is no longer desired.
        result = d1.reconcile(List.of(a));
        assertThat(result.networksRemoved()).isEqualTo(1);
        assertThat(result.strayVxlansRemoved()).isZero();
        assertThat(result.endpointsRemoved()).isZero();
        assertThat(links(c2)).extracting(Link::name).containsExactly("lo");

        assertThat(d1.sandboxes()).containsExactly(prefix + "a");
        assertThat(links(prefix + "a"))
                .extracting(Link::name)
                .containsExactlyInAnyOrder("lo", "br0", "vxlan0", "ve64400102");
        assertThat(d1.remotes("a")).isEqualTo(remotes);
        assertThat(links(c1)).extracting(Link::name).containsExactlyInAnyOrder("lo", "eth0");
        assertThat(links(h1.namespace())).noneMatch(l -> l.kind().equals(Optional.of("vxlan")));
        // Again: nothing to do.
        assertThat(d1.reconcile(List.of(a))).isEqualTo(new ReconcileResult(0, 0, 0, 0));
        // Nothing desired: nothing left.
        d1.reconcile(List.of());
        assertThat(d1.sandboxes()).isEmpty();
        assertThat(links(c1)).extracting(Link::name).containsExactly("lo");
    }

    static long remoteNeighbours(String sandbox) {
        if (!NetNs.exists(sandbox)) {
            return 0;
        }
        try (NetNs ns = NetNs.open(sandbox);
                RouteNetlink rt = RouteNetlink.open(ns)) {
            return rt.links()
                    .get(OverlayDriver.VXLAN)
                    .map(l -> rt.neighbours().list(l.index()).size())
                    .orElse(0);
        }
    }

    static List<String> addresses(String namespace, int index) {
        try (NetNs ns = NetNs.open(namespace);
                RouteNetlink rt = RouteNetlink.open(ns)) {
            return rt.addresses().list(index).stream()
                    .filter(a -> a.address() instanceof Inet4Address)
                    .map(a -> a.address().getHostAddress() + "/" + a.prefixLength())
                    .toList();
        }
    }

    static long openDescriptors() throws Exception {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
