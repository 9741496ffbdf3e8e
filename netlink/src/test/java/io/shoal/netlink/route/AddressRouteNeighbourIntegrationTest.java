package io.shoal.netlink.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.netlink.Errno;
import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.testing.Requirements;
import io.shoal.netlink.testing.Scratch;
import io.shoal.netlink.uapi.SocketH;
import java.net.InetAddress;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("integration")
class AddressRouteNeighbourIntegrationTest {
    private Scratch scratch;
    private RouteNetlink rt;
    private int va;

    @BeforeEach
    void namespaceWithAVethUp() {
        Requirements.requireNamespaces();
        scratch = new Scratch();
        NetNs ns = scratch.namespace("a");
        rt = RouteNetlink.open(ns);
        rt.links().createVeth("va", "vb");
        rt.links().setUp("va");
        rt.links().setUp("vb");
        va = rt.links().require("va").index();
    }

    @AfterEach
    void cleanUp() {
        if (rt != null) {
            rt.close();
        }
        if (scratch != null) {
            scratch.close();
        }
    }

    @Test
    void batchProgramsManyEntriesAndReportsEachFailureByPosition() throws Exception {
        rt.links().createVxlan("vx0", VxlanSpec.of(79, ip("198.18.5.1")));
        rt.links().setUp("vx0");
        int vx = rt.links().require("vx0").index();
        int count = 300;
        java.util.List<io.shoal.netlink.socket.Request> batch = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            InetAddress overlay = ip("100.64." + (i / 250) + "." + (i % 250 + 1));
            MacAddress mac = MacAddress.of(new byte[] {2, 0, 100, 64, (byte) (i / 250), (byte) (i % 250 + 1)});
            batch.add(rt.neighbours().replaceRequest(vx, overlay, mac));
            batch.add(rt.fdb().replaceRequest(vx, mac, ip("198.18.6." + (i % 200 + 1))));
        }
        // Two requests the kernel must refuse, each on its own.
        batch.add(rt.neighbours().addRequest(vx, ip("100.64.0.1"), MacAddress.parse("02:00:00:00:00:99")));
        batch.add(rt.neighbours().deleteRequest(vx, ip("100.64.9.9")));

        io.shoal.netlink.socket.BatchOutcome outcome = rt.executeAll(batch);

        assertThat(outcome.requests()).isEqualTo(2 * count + 2);
        assertThat(outcome.succeeded()).isEqualTo(2 * count);
        assertThat(outcome.failures()).containsOnlyKeys(2 * count, 2 * count + 1);
        assertThat(outcome.failures().get(2 * count))
                .hasMessageContaining("RTM_NEWNEIGH add neighbour 100.64.0.1")
                .satisfies(e -> assertThat(e.is(Errno.EEXIST)).isTrue());
        assertThat(outcome.failures().get(2 * count + 1))
                .hasMessageContaining("RTM_DELNEIGH delete neighbour 100.64.9.9")
                .satisfies(e -> assertThat(e.is(Errno.ENOENT)).isTrue());
        assertThatThrownBy(outcome::throwIfAnyFailed)
                .isSameAs(outcome.failures().get(2 * count))
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));

        assertThat(ipv4Neighbours(vx)).hasSize(count).allMatch(Neighbour::isPermanent);
        assertThat(rt.fdb().list(vx))
                .filteredOn(e -> e.destination().isPresent())
                .hasSize(count);
        // The socket is in step afterwards: a plain request still gets its own answer.
        assertThat(rt.links().require("vx0").index()).isEqualTo(vx);
    }

    /** IPv4 entries only: links that are up also get IPv6 multicast (NOARP) entries of their own. */
    private java.util.List<Neighbour> ipv4Neighbours(int index) {
        return rt.neighbours().list(index).stream()
                .filter(n -> n.address() instanceof java.net.Inet4Address)
                .toList();
    }

    private static InetAddress ip(String text) throws Exception {
        return InetAddress.getByName(text);
    }

    @Test
    void ipv4AndIpv6AddressesAreAddedListedAndDeleted() throws Exception {
        rt.addresses().add(va, ip("198.18.5.1"), 24);
        rt.addresses().add(va, ip("fd00:5::1"), 64);
        assertThat(rt.addresses().list(va))
                .extracting(a -> a.address().getHostAddress() + "/" + a.prefixLength())
                .contains("198.18.5.1/24", "fd00:5:0:0:0:0:0:1/64");
        InetAddress wanted = ip("198.18.5.1");
        Address v4 = rt.addresses().list(va).stream()
                .filter(a -> a.address().equals(wanted))
                .findFirst()
                .orElseThrow();
        assertThat(v4.label()).contains("va");

        rt.addresses().delete(va, ip("198.18.5.1"), 24);
        rt.addresses().delete(va, ip("fd00:5::1"), 64);
        assertThat(rt.addresses().list(va))
                .extracting(Address::address)
                .doesNotContain(ip("198.18.5.1"), ip("fd00:5::1"));
    }

    @Test
    void addingAnAddressTwiceFailsWithEexist() throws Exception {
        rt.addresses().add(va, ip("198.18.5.1"), 24);
        assertThatThrownBy(() -> rt.addresses().add(va, ip("198.18.5.1"), 24))
                .isInstanceOf(NetlinkException.class)
                .hasMessageContaining("RTM_NEWADDR add address 198.18.5.1/24 on link #" + va)
                .hasMessageContaining("EEXIST");
    }

    @Test
    void deletingAMissingAddressFailsWithEaddrnotavail() throws Exception {
        assertThatThrownBy(() -> rt.addresses().delete(va, ip("198.18.5.9"), 24))
                .isInstanceOf(NetlinkException.class)
                .satisfies(e -> assertThat(((NetlinkException) e).is(Errno.EADDRNOTAVAIL))
                        .isTrue());
    }

    @Test
    void defaultRouteViaGatewayAndOnlinkRouteAreAddedListedAndDeleted() throws Exception {
        rt.addresses().add(va, ip("198.18.5.1"), 24);
        Route viaGateway = Route.defaultVia(ip("198.18.5.254"), va);
        Route onlink = Route.via(ip("198.18.9.0"), 24, ip("198.18.200.1"), va).withOnlink();
        rt.routes().add(viaGateway);
        rt.routes().add(onlink);

        var routes = rt.routes().list(SocketH.AF_INET);
        assertThat(routes).contains(viaGateway, onlink);
        // The kernel's own prefix route for the address is listed too.
        assertThat(routes).contains(Route.direct(ip("198.18.5.0"), 24, va));

        rt.routes().delete(viaGateway);
        rt.routes().delete(onlink);
        assertThat(rt.routes().list(SocketH.AF_INET)).doesNotContain(viaGateway, onlink);
    }

    @Test
    void gatewayOutsideAnyPrefixNeedsOnlink() throws Exception {
        rt.addresses().add(va, ip("198.18.5.1"), 24);
        Route notOnlink = Route.via(ip("198.18.9.0"), 24, ip("198.18.200.1"), va);
        assertThatThrownBy(() -> rt.routes().add(notOnlink))
                .isInstanceOf(NetlinkException.class)
                .hasMessageContaining("RTM_NEWROUTE add route 198.18.9.0/24 via 198.18.200.1");
        rt.routes().add(notOnlink.withOnlink());
        assertThat(rt.routes().list(SocketH.AF_INET)).contains(notOnlink.withOnlink());
    }

    @Test
    void deletingAMissingRouteFailsWithEsrch() throws Exception {
        assertThatThrownBy(() -> rt.routes().delete(Route.direct(ip("198.18.77.0"), 24, va)))
                .isInstanceOf(NetlinkException.class)
                .satisfies(e -> assertThat(((NetlinkException) e).errnoName()).isEqualTo("ESRCH"));
    }

    @Test
    void permanentNeighbourIsAddedReplacedListedAndDeleted() throws Exception {
        MacAddress first = MacAddress.parse("02:00:c6:12:05:02");
        MacAddress second = MacAddress.parse("02:00:c6:12:05:03");
        rt.neighbours().add(va, ip("198.18.5.2"), first);
        assertThat(ipv4Neighbours(va)).containsExactly(new Neighbour(va, ip("198.18.5.2"), Optional.of(first), 0x80));
        assertThatThrownBy(() -> rt.neighbours().add(va, ip("198.18.5.2"), second))
                .isInstanceOf(NetlinkException.class)
                .hasMessageContaining("RTM_NEWNEIGH add neighbour 198.18.5.2 lladdr 02:00:c6:12:05:03")
                .hasMessageContaining("EEXIST");

        rt.neighbours().replace(va, ip("198.18.5.2"), second);
        assertThat(ipv4Neighbours(va)).singleElement().satisfies(n -> {
            assertThat(n.mac()).contains(second);
            assertThat(n.isPermanent()).isTrue();
        });

        rt.neighbours().delete(va, ip("198.18.5.2"));
        assertThat(ipv4Neighbours(va)).isEmpty();
        assertThatThrownBy(() -> rt.neighbours().delete(va, ip("198.18.5.2")))
                .isInstanceOf(NetlinkException.class)
                .satisfies(
                        e -> assertThat(((NetlinkException) e).is(Errno.ENOENT)).isTrue());
    }

    @Test
    void vxlanFdbEntryPointsAMacAtARemoteVtep() throws Exception {
        rt.links().createVxlan("vx0", VxlanSpec.of(77, ip("198.18.5.1")));
        int vx = rt.links().require("vx0").index();
        MacAddress remote = MacAddress.parse("02:00:64:40:00:02");

        rt.fdb().add(vx, remote, ip("198.18.5.2"));
        assertThat(rt.fdb().list(vx))
                .filteredOn(e -> e.mac().equals(remote))
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.destination()).contains(ip("198.18.5.2"));
                    assertThat(e.flags() & io.shoal.netlink.uapi.NeighbourH.NTF_SELF)
                            .isNotZero();
                });
        assertThatThrownBy(() -> rt.fdb().add(vx, remote, ip("198.18.5.2")))
                .isInstanceOf(NetlinkException.class)
                .hasMessageContaining("RTM_NEWNEIGH add fdb 02:00:64:40:00:02 dst 198.18.5.2 on link #" + vx)
                .hasMessageContaining("EEXIST");

        rt.fdb().replace(vx, remote, ip("198.18.5.3"));
        assertThat(rt.fdb().list(vx))
                .filteredOn(e -> e.mac().equals(remote))
                .extracting(FdbEntry::destination)
                .containsExactly(Optional.of(ip("198.18.5.3")));

        rt.fdb().delete(vx, remote, ip("198.18.5.3"));
        assertThat(rt.fdb().list(vx)).noneMatch(e -> e.mac().equals(remote));
    }

    @Test
    void neighbourOnAVxlanAndItsFdbEntryLiveTogether() throws Exception {
        rt.links().createVxlan("vx0", VxlanSpec.of(78, ip("198.18.5.1")));
        rt.links().setUp("vx0");
        int vx = rt.links().require("vx0").index();
        MacAddress mac = MacAddress.parse("02:00:64:40:00:07");
        rt.neighbours().replace(vx, ip("100.64.0.7"), mac);
        rt.fdb().replace(vx, mac, ip("198.18.5.7"));
        assertThat(ipv4Neighbours(vx)).extracting(Neighbour::address).containsExactly(ip("100.64.0.7"));
        assertThat(rt.fdb().list(vx)).extracting(FdbEntry::mac).contains(mac);
    }
}
