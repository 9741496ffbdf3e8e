package io.shoal.netlink.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.netlink.uapi.IfLinkH;
import io.shoal.netlink.uapi.NetlinkH;
import io.shoal.netlink.uapi.RtnetlinkH;
import java.net.InetAddress;
import java.nio.ByteOrder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MessageBuilderTest {
    @BeforeAll
    static void littleEndianHost() {
        // The expected layouts below are written for little-endian hosts (x86-64, arm64).
        org.junit.jupiter.api.Assumptions.assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void headerCarriesLengthTypeFlagsAndSequenceInHostOrder() {
        var b = new MessageBuilder()
                .begin(RtnetlinkH.RTM_NEWLINK, NetlinkH.NLM_F_ACK | NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_EXCL)
                .sequence(0x01020304);
        assertThat(Hex.of(b.finish())).isEqualTo(Hex.clean("10000000 1000 0506 04030201 00000000"));
    }

    @Test
    void requestFlagIsAlwaysSet() {
        var b = new MessageBuilder().begin(RtnetlinkH.RTM_GETLINK, NetlinkH.NLM_F_DUMP);
        assertThat(b.flags()).isEqualTo(NetlinkH.NLM_F_DUMP | NetlinkH.NLM_F_REQUEST);
        assertThat(b.type()).isEqualTo(RtnetlinkH.RTM_GETLINK);
    }

    @Test
    void attributesArePaddedToFourBytesButLengthExcludesPadding() {
        var b = new MessageBuilder()
                .begin(1, 0)
                .putU8(7, 0xab)
                .putString(3, "eth0")
                .putU16(4, 0x1234);
        String hex = Hex.of(b.finish()).substring(32);
        assertThat(hex)
                .isEqualTo(Hex.clean(
                        "0500 0700 ab000000" // u8: nla_len 5, padded to 8
                                + "0900 0300 65746830 00000000" // "eth0\0": nla_len 9, padded to 12
                                + "0600 0400 3412 0000")); // u16 host order: nla_len 6, padded to 8
        assertThat(b.length()).isEqualTo(16 + 8 + 12 + 8);
    }

    @Test
    void vxlanPortIsBigEndianWhileVniIsHostOrder() {
        var b = new MessageBuilder()
                .begin(1, 0)
                .putU32(IfLinkH.IFLA_VXLAN_ID, 42)
                .putU16Be(IfLinkH.IFLA_VXLAN_PORT, 4789);
        assertThat(Hex.of(b.finish()).substring(32)).isEqualTo(Hex.clean("0800 0100 2a000000" + "0600 0f00 12b5 0000"));
    }

    @Test
    void u32BigEndianAndU64AreLaidOutAsDeclared() {
        var b = new MessageBuilder().begin(1, 0).putU32Be(1, 0x0a0b0c0d).putU64(2, 0x0102030405060708L);
        assertThat(Hex.of(b.finish()).substring(32))
                .isEqualTo(Hex.clean("0800 0100 0a0b0c0d" + "0c00 0200 0807060504030201"));
    }

    @Test
    void addressesAreWrittenInNetworkOrder() throws Exception {
        var b = new MessageBuilder()
                .begin(1, 0)
                .putIpv4(IfLinkH.IFLA_VXLAN_LOCAL, InetAddress.getByName("198.18.0.1"))
                .putIpv6(IfLinkH.IFLA_VXLAN_LOCAL6, InetAddress.getByName("2001:db8::1"));
        assertThat(Hex.of(b.finish()).substring(32))
                .isEqualTo(Hex.clean("0800 0400 c6120001" + "1400 1100 20010db8000000000000000000000001"));
    }

    @Test
    void nestedAttributeSetsNestedFlagAndCoversItsChildren() {
        var b = new MessageBuilder().begin(RtnetlinkH.RTM_NEWLINK, 0);
        int linkInfo = b.beginNested(IfLinkH.IFLA_LINKINFO);
        b.putString(IfLinkH.IFLA_INFO_KIND, "bridge");
        b.endNested(linkInfo);
        // IFLA_LINKINFO (18) | NLA_F_NESTED = 0x8012; child "bridge\0" = 4 + 7 = 11, padded 12.
        assertThat(Hex.of(b.finish()).substring(32)).isEqualTo(Hex.clean("1000 1280" + "0b00 0100 62726964676500 00"));
    }

    @Test
    void vethRequestMatchesTheUapiLayout() {
        var b = new MessageBuilder()
                .begin(RtnetlinkH.RTM_NEWLINK, NetlinkH.NLM_F_ACK | NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_EXCL)
                .sequence(1);
        IfInfoMsg.ofIndex(0).encode(b);
        b.putString(IfLinkH.IFLA_IFNAME, "a");
        int info = b.beginNested(IfLinkH.IFLA_LINKINFO);
        b.putString(IfLinkH.IFLA_INFO_KIND, "veth");
        int data = b.beginNested(IfLinkH.IFLA_INFO_DATA);
        int peer = b.beginNestedUnflagged(IfLinkH.VETH_INFO_PEER);
        IfInfoMsg.ofIndex(0).encode(b);
        b.putString(IfLinkH.IFLA_IFNAME, "b");
        b.endNested(peer);
        b.endNested(data);
        b.endNested(info);
        String expected = "5800 0000 1000 0506 01000000 00000000" // nlmsghdr, len 88
                + "00 00 0000 00000000 00000000 00000000" // ifinfomsg
                + "0600 0300 6100 0000" // IFLA_IFNAME "a"
                + "3000 1280" // IFLA_LINKINFO nested, 48 bytes
                + "0900 0100 76657468 00 000000" // IFLA_INFO_KIND "veth"
                + "2000 0280" // IFLA_INFO_DATA nested, 32 bytes
                + "1c00 0100" // VETH_INFO_PEER, 28 bytes, not flagged
                + "00 00 0000 00000000 00000000 00000000" // peer ifinfomsg
                + "0600 0300 6200 0000"; // peer IFLA_IFNAME "b"
        assertThat(Hex.of(b.finish())).isEqualTo(Hex.clean(expected));
    }

    @Test
    void familyHeadersMatchTheirUapiLayouts() {
        var b = new MessageBuilder().begin(1, 0);
        new IfInfoMsg(7, 1, 0x01020304, 1, 1).encode(b);
        new IfAddrMsg(2, 24, 0x80, 253, 9).encode(b);
        new RtMsg(2, 24, 0, 0, 254, 4, 0, 1, 4).encode(b);
        new NdMsg(7, 5, 0x80, 0x02, 0).encode(b);
        new GenlMsgHdr(3, 1).encode(b);
        assertThat(Hex.of(b.finish()).substring(32))
                .isEqualTo(Hex.clean("07 00 0100 04030201 01000000 01000000"
                        + "02 18 80 fd 09000000"
                        + "02 18 00 00 fe 04 00 01 04000000"
                        + "07 00 0000 05000000 8000 02 00"
                        + "03 01 0000"));
    }

    @Test
    void builderGrowsBeyondItsInitialCapacity() {
        var b = new MessageBuilder(16).begin(1, 0);
        for (int i = 0; i < 100; i++) {
            b.putU32(1, i);
        }
        var message = b.finish();
        assertThat(message.remaining()).isEqualTo(16 + 100 * 8);
        assertThat(MessageParser.parse(bytesOf(message))
                        .get(0)
                        .attributes(0, "none")
                        .size())
                .isEqualTo(100);
    }

    @Test
    void resetLetsTheBuilderWriteAnotherMessage() {
        var b = new MessageBuilder().begin(1, 0).putU32(1, 1);
        b.finish();
        b.reset().begin(2, 0);
        assertThat(b.finish().remaining()).isEqualTo(16);
        assertThat(b.type()).isEqualTo(2);
    }

    @Test
    void misuseIsRejectedWithAMessage() {
        assertThatThrownBy(() -> new MessageBuilder().putU32(1, 1)).hasMessageContaining("begin(type, flags)");
        assertThatThrownBy(() -> new MessageBuilder().begin(1, 0).begin(1, 0)).hasMessageContaining("already begun");
        assertThatThrownBy(() -> new MessageBuilder().begin(1, 0).putU8(1, 256)).hasMessageContaining("[0, 255]");
        assertThatThrownBy(() -> new MessageBuilder().begin(1, 0).putU16(1, -1)).hasMessageContaining("[0, 65535]");
        assertThatThrownBy(() -> new MessageBuilder().begin(0x10000, 0)).hasMessageContaining("message type");
        assertThatThrownBy(() -> new MessageBuilder().begin(1, 0).putString(3, "a\0b"))
                .hasMessageContaining("NUL");
        assertThatThrownBy(() -> new MessageBuilder().begin(1, 0).putBytes(1, new byte[70000]))
                .hasMessageContaining("max 65535");
        assertThatThrownBy(() -> new MessageBuilder().begin(1, 0).endNested(16)).hasMessageContaining("beginNested");
        assertThatThrownBy(() -> {
                    var b = new MessageBuilder().begin(1, 0);
                    b.beginNested(1);
                    b.finish();
                })
                .hasMessageContaining("not closed");
    }

    @Test
    void wrongAddressFamilyIsRejected() throws Exception {
        var v6 = InetAddress.getByName("::1");
        var v4 = InetAddress.getByName("198.18.0.1");
        assertThatThrownBy(() -> new MessageBuilder().begin(1, 0).putIpv4(4, v6))
                .hasMessageContaining("IPv4");
        assertThatThrownBy(() -> new MessageBuilder().begin(1, 0).putIpv6(17, v4))
                .hasMessageContaining("IPv6");
    }

    static byte[] bytesOf(java.nio.ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
