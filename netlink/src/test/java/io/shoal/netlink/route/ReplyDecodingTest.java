package io.shoal.netlink.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.netlink.codec.IfAddrMsg;
import io.shoal.netlink.codec.IfInfoMsg;
import io.shoal.netlink.codec.MalformedMessageException;
import io.shoal.netlink.codec.MessageBuilder;
import io.shoal.netlink.codec.MessageParser;
import io.shoal.netlink.codec.NdMsg;
import io.shoal.netlink.codec.NetlinkMessage;
import io.shoal.netlink.codec.RtMsg;
import io.shoal.netlink.uapi.IfAddrH;
import io.shoal.netlink.uapi.IfLinkH;
import io.shoal.netlink.uapi.NeighbourH;
import io.shoal.netlink.uapi.RtnetlinkH;
import io.shoal.netlink.uapi.SocketH;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Decoding of kernel replies into records, from messages laid out as the kernel sends them. */
class ReplyDecodingTest {
    private static NetlinkMessage parse(MessageBuilder b) {
        ByteBuffer message = b.finish();
        byte[] bytes = new byte[message.remaining()];
        message.get(bytes);
        return MessageParser.parse(bytes).get(0);
    }

    @Test
    void vxlanLinkDecodesKindMasterMacAndVxlanParameters() throws Exception {
        var b = new MessageBuilder().begin(RtnetlinkH.RTM_NEWLINK, 0);
        new IfInfoMsg(0, IfLinkH.ARPHRD_ETHER, 7, IfLinkH.IFF_UP, 0).encode(b);
        b.putString(IfLinkH.IFLA_IFNAME, "vxlan0");
        b.putU32(IfLinkH.IFLA_MTU, 1450);
        b.putU32(IfLinkH.IFLA_MASTER, 4);
        b.putBytes(IfLinkH.IFLA_ADDRESS, new byte[] {2, 0, 0, 0, 0, 9});
        int info = b.beginNested(IfLinkH.IFLA_LINKINFO);
        b.putString(IfLinkH.IFLA_INFO_KIND, "vxlan");
        int data = b.beginNested(IfLinkH.IFLA_INFO_DATA);
        b.putU32(IfLinkH.IFLA_VXLAN_ID, 4097);
        b.putIpv4(IfLinkH.IFLA_VXLAN_LOCAL, InetAddress.getByName("198.18.0.3"));
        b.putU8(IfLinkH.IFLA_VXLAN_LEARNING, 0);
        b.putU16Be(IfLinkH.IFLA_VXLAN_PORT, 4789);
        b.endNested(data).endNested(info);

        Link link = Links.decode(parse(b));
        assertThat(link.index()).isEqualTo(7);
        assertThat(link.name()).isEqualTo("vxlan0");
        assertThat(link.isUp()).isTrue();
        assertThat(link.mtu()).isEqualTo(1450);
        assertThat(link.masterIndex()).isEqualTo(4);
        assertThat(link.mac()).contains(MacAddress.parse("02:00:00:00:00:09"));
        assertThat(link.kind()).contains("vxlan");
        assertThat(link.vxlan())
                .contains(new VxlanSpec(4097, 4789, Optional.of(InetAddress.getByName("198.18.0.3")), false, 0));
    }

    @Test
    void loopbackWithoutLinkInfoHasNoKind() {
        var b = new MessageBuilder().begin(RtnetlinkH.RTM_NEWLINK, 0);
        new IfInfoMsg(0, 772, 1, IfLinkH.IFF_LOOPBACK, 0).encode(b);
        b.putString(IfLinkH.IFLA_IFNAME, "lo");
        Link lo = Links.decode(parse(b));
        assertThat(lo.kind()).isEmpty();
        assertThat(lo.vxlan()).isEmpty();
        assertThat(lo.isUp()).isFalse();
        assertThat(lo.hasMaster()).isFalse();
    }

    @Test
    void linkWithoutNameIsMalformed() {
        var b = new MessageBuilder().begin(RtnetlinkH.RTM_NEWLINK, 0);
        IfInfoMsg.ofIndex(3).encode(b);
        assertThatThrownBy(() -> Links.decode(parse(b)))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("IFLA_IFNAME");
    }

    @Test
    void addressPrefersLocalOverPeerAddress() throws Exception {
        var b = new MessageBuilder().begin(RtnetlinkH.RTM_NEWADDR, 0);
        new IfAddrMsg(SocketH.AF_INET, 24, 0, 0, 5).encode(b);
        b.putAddress(IfAddrH.IFA_ADDRESS, InetAddress.getByName("198.18.0.99"));
        b.putAddress(IfAddrH.IFA_LOCAL, InetAddress.getByName("198.18.0.1"));
        b.putString(IfAddrH.IFA_LABEL, "eth0");
        Address a = Addresses.decode(parse(b));
        assertThat(a).isEqualTo(new Address(5, InetAddress.getByName("198.18.0.1"), 24, 0, Optional.of("eth0")));
        assertThat(a.toString()).isEqualTo("198.18.0.1/24 on #5");
    }

    @Test
    void addressWithoutAnyAddressAttributeIsMalformed() {
        var b = new MessageBuilder().begin(RtnetlinkH.RTM_NEWADDR, 0);
        new IfAddrMsg(SocketH.AF_INET, 24, 0, 0, 5).encode(b);
        assertThatThrownBy(() -> Addresses.decode(parse(b)))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("IFA_LOCAL or IFA_ADDRESS");
    }

    @Test
    void defaultRouteWithoutDestinationDecodesAsZeroPrefix() throws Exception {
        var b = new MessageBuilder().begin(RtnetlinkH.RTM_NEWROUTE, 0);
        new RtMsg(SocketH.AF_INET, 0, 0, 0, 254, 3, 0, RtnetlinkH.RTN_UNICAST, 0).encode(b);
        b.putAddress(RtnetlinkH.RTA_GATEWAY, InetAddress.getByName("198.18.0.254"));
        b.putU32(RtnetlinkH.RTA_OIF, 2);
        b.putU32(RtnetlinkH.RTA_TABLE, 254);
        assertThat(Routes.decode(parse(b))).contains(Route.defaultVia(InetAddress.getByName("198.18.0.254"), 2));
    }

    @Test
    void localTableRoutesDecodeAsLocalRoutesOfTheirTable() throws Exception {
        var b = new MessageBuilder().begin(RtnetlinkH.RTM_NEWROUTE, 0);
        new RtMsg(SocketH.AF_INET, 32, 0, 0, 255, 2, 254, RtnetlinkH.RTN_LOCAL, 0).encode(b);
        b.putAddress(RtnetlinkH.RTA_DST, InetAddress.getByName("198.18.0.1"));
        b.putU32(RtnetlinkH.RTA_OIF, 2);
        assertThat(Routes.decode(parse(b)))
                .contains(Route.local(InetAddress.getByName("198.18.0.1"), 32, 2, RtnetlinkH.RT_TABLE_LOCAL));
        var broadcast = new MessageBuilder().begin(RtnetlinkH.RTM_NEWROUTE, 0);
        new RtMsg(SocketH.AF_INET, 32, 0, 0, 255, 2, 253, 3 /* RTN_BROADCAST */, 0).encode(broadcast);
        broadcast.putAddress(RtnetlinkH.RTA_DST, InetAddress.getByName("198.18.255.255"));
        broadcast.putU32(RtnetlinkH.RTA_OIF, 2);
        assertThat(Routes.decode(parse(broadcast))).isEmpty();
    }

    @Test
    void neighbourAndFdbEntryDecode() throws Exception {
        var n = new MessageBuilder().begin(RtnetlinkH.RTM_NEWNEIGH, 0);
        new NdMsg(SocketH.AF_INET, 4, NeighbourH.NUD_PERMANENT, 0, 0).encode(n);
        n.putAddress(NeighbourH.NDA_DST, InetAddress.getByName("100.64.0.2"));
        n.putBytes(NeighbourH.NDA_LLADDR, new byte[] {2, 0, 100, 64, 0, 2});
        assertThat(Neighbours.decode(parse(n)))
                .contains(new Neighbour(
                        4,
                        InetAddress.getByName("100.64.0.2"),
                        Optional.of(MacAddress.parse("02:00:64:40:00:02")),
                        NeighbourH.NUD_PERMANENT));
        // The same header in the bridge family is an FDB entry, not a neighbour.
        assertThat(FdbEntries.decode(parse(n))).isEmpty();

        var f = new MessageBuilder().begin(RtnetlinkH.RTM_NEWNEIGH, 0);
        new NdMsg(SocketH.AF_BRIDGE, 6, NeighbourH.NUD_PERMANENT, NeighbourH.NTF_SELF, 0).encode(f);
        f.putBytes(NeighbourH.NDA_LLADDR, new byte[] {2, 0, 100, 64, 0, 2});
        f.putAddress(NeighbourH.NDA_DST, InetAddress.getByName("198.18.0.2"));
        assertThat(FdbEntries.decode(parse(f)))
                .contains(new FdbEntry(
                        6,
                        MacAddress.parse("02:00:64:40:00:02"),
                        Optional.of(InetAddress.getByName("198.18.0.2")),
                        NeighbourH.NUD_PERMANENT,
                        NeighbourH.NTF_SELF));
        assertThat(Neighbours.decode(parse(f))).isEmpty();
    }
}
