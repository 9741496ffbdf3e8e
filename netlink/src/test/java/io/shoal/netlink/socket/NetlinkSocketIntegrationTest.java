package io.shoal.netlink.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.netlink.Netlink;
import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.codec.IfInfoMsg;
import io.shoal.netlink.codec.MessageBuilder;
import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.route.Link;
import io.shoal.netlink.route.RouteNetlink;
import io.shoal.netlink.testing.Requirements;
import io.shoal.netlink.testing.Scratch;
import io.shoal.netlink.uapi.IfLinkH;
import io.shoal.netlink.uapi.NetlinkH;
import io.shoal.netlink.uapi.RtnetlinkH;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("integration")
class NetlinkSocketIntegrationTest {
    private Scratch scratch;
    private NetNs ns;

    @BeforeEach
    void namespace() {
        Requirements.requireNamespaces();
        scratch = new Scratch();
        ns = scratch.namespace("k");
    }

    @AfterEach
    void cleanUp() {
        if (scratch != null) {
            scratch.close();
        }
    }

    private static MessageBuilder dumpLinks() {
        MessageBuilder b = new MessageBuilder().begin(RtnetlinkH.RTM_GETLINK, 0);
        IfInfoMsg.ofIndex(0).encode(b);
        return b;
    }

    @Test
    void probeReportsNetlinkAvailable() {
        assertThat(Netlink.isAvailable()).isTrue();
        assertThat(Netlink.unavailabilityCause()).isNull();
        Netlink.ensureAvailability();
    }

    @Test
    void dumpSpanningManyDatagramsIsReadToTheEnd() {
        try (RouteNetlink rt = RouteNetlink.open(ns)) {
            for (int i = 0; i < 30; i++) {
                rt.links().createVeth("a" + i, "b" + i);
            }
            long before = rt.socket().datagramsReceived();
            List<Link> links = rt.links().list();
            // 61 links of over 1 KiB each (stats included) do not fit one 32 KiB datagram.
            assertThat(rt.socket().datagramsReceived() - before).isGreaterThan(2);
            assertThat(links).hasSize(61);
            assertThat(links).extracting(Link::name).contains("lo", "a0", "b29");
        }
    }

    @Test
    void receiveBufferGrowsWhenAPeekedDatagramIsLarger() {
        try (RouteNetlink rt = RouteNetlink.open(ns)) {
            rt.links().createVeth("va", "vb");
        }
        try (NetlinkSocket small =
                ns.run(() -> NetlinkSocket.open(NetlinkH.NETLINK_ROUTE, Duration.ofSeconds(5), 64))) {
            List<String> names = small.dump(
                    dumpLinks(),
                    "list links",
                    (m, out) -> out.add(m.attributes(IfInfoMsg.SIZE, "ifinfomsg")
                            .require(IfLinkH.IFLA_IFNAME, "IFLA_IFNAME")
                            .string()));
            assertThat(names).containsExactlyInAnyOrder("lo", "va", "vb");
            assertThat(small.receiveBufferSize()).isGreaterThan(64);
        }
    }

    @Test
    void sequenceNumbersKeepRepliesApartAcrossManyRequests() {
        try (NetlinkSocket socket = ns.openSocket(NetlinkH.NETLINK_ROUTE)) {
            assertThat(socket.portId()).isNotZero();
            for (int i = 0; i < 200; i++) {
                List<Integer> indexes = socket.dump(
                        dumpLinks(),
                        "list links",
                        (m, out) -> out.add(IfInfoMsg.decode(m).index()));
                assertThat(indexes).containsExactly(1);
            }
        }
    }

    @Test
    void errorInTheMiddleLeavesTheSocketUsable() {
        try (NetlinkSocket socket = ns.openSocket(NetlinkH.NETLINK_ROUTE)) {
            MessageBuilder delete = new MessageBuilder().begin(RtnetlinkH.RTM_DELLINK, 0);
            IfInfoMsg.ofIndex(0).encode(delete);
            delete.putString(IfLinkH.IFLA_IFNAME, "nosuch");
            assertThatThrownBy(() -> socket.execute(delete, "delete link \"nosuch\""))
                    .isInstanceOf(NetlinkException.class)
                    .hasMessageStartingWith("RTM_DELLINK delete link \"nosuch\" failed: ENODEV");
            assertThat(socket.dump(dumpLinks(), "list links", (m, out) -> out.add(m)))
                    .hasSize(1);
        }
    }

    @Test
    void closedSocketRefusesRequests() {
        NetlinkSocket socket = ns.openSocket(NetlinkH.NETLINK_ROUTE);
        socket.close();
        socket.close();
        assertThat(socket.isOpen()).isFalse();
        assertThatThrownBy(() -> socket.dump(dumpLinks(), "list links", (m, out) -> {}))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }
}
