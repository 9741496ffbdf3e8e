package io.shoal.netlink.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.netlink.uapi.IfLinkH;
import io.shoal.netlink.uapi.NetlinkH;
import io.shoal.netlink.uapi.RtnetlinkH;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MessageParserTest {
    @BeforeAll
    static void littleEndianHost() {
        Assumptions.assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN);
    }

    // An RTM_NEWLINK as the kernel sends it in a dump: ifindex 3, IFF_UP, name "br0", mtu 1450,
    // IFLA_LINKINFO { IFLA_INFO_KIND "bridge" }.
    static final String NEWLINK = "40000000 1000 0200 07000000 00000000"
            + "00 00 0100 03000000 01000000 00000000"
            + "0800 0300 62723000"
            + "0800 0400 aa050000"
            + "1000 1280 0b00 0100 627269646765 0000";

    static final String DONE = "14000000 0300 0200 07000000 00000000 00000000";

    @Test
    void linkMessageDecodesHeaderFamilyHeaderAndAttributes() {
        List<NetlinkMessage> messages = MessageParser.parse(Hex.bytes(NEWLINK));
        assertThat(messages).hasSize(1);
        NetlinkMessage m = messages.get(0);
        assertThat(m.header()).isEqualTo(new NetlinkHeader(64, RtnetlinkH.RTM_NEWLINK, NetlinkH.NLM_F_MULTI, 7, 0));
        assertThat(IfInfoMsg.decode(m)).isEqualTo(new IfInfoMsg(0, 1, 3, IfLinkH.IFF_UP, 0));
        Attributes attrs = m.attributes(IfInfoMsg.SIZE, "ifinfomsg");
        assertThat(attrs.size()).isEqualTo(3);
        assertThat(attrs.require(IfLinkH.IFLA_IFNAME, "IFLA_IFNAME").string()).isEqualTo("br0");
        assertThat(attrs.require(IfLinkH.IFLA_MTU, "IFLA_MTU").u32()).isEqualTo(1450);
        Attribute info = attrs.require(IfLinkH.IFLA_LINKINFO, "IFLA_LINKINFO");
        assertThat(info.nestedFlag()).isTrue();
        assertThat(info.type()).isEqualTo(IfLinkH.IFLA_LINKINFO);
        assertThat(info.nested().require(IfLinkH.IFLA_INFO_KIND, "kind").string())
                .isEqualTo("bridge");
        assertThat(attrs.find(IfLinkH.IFLA_MASTER)).isEmpty();
    }

    @Test
    void severalMessagesInOneDatagramEndWithDone() {
        List<NetlinkMessage> messages = MessageParser.parse(Hex.bytes(NEWLINK + NEWLINK + DONE));
        assertThat(messages).hasSize(3);
        assertThat(messages.get(1).offset()).isEqualTo(64);
        assertThat(messages.get(2).isDone()).isTrue();
        assertThat(messages.get(2).doneStatus()).isZero();
    }

    @Test
    void doneCarriesADumpError() {
        var done = MessageParser.parse(Hex.bytes("14000000 0300 0200 07000000 00000000 f0ffffff"))
                .get(0);
        assertThat(done.doneStatus()).isEqualTo(-16);
    }

    @Test
    void builtMessageParsesBackToTheSameValues() throws Exception {
        var b = new MessageBuilder().begin(RtnetlinkH.RTM_NEWROUTE, NetlinkH.NLM_F_CREATE);
        new RtMsg(2, 0, 0, 0, 254, 4, 0, 1, RtnetlinkH.RTNH_F_ONLINK).encode(b);
        b.putIpv4(RtnetlinkH.RTA_GATEWAY, InetAddress.getByName("198.18.0.1"));
        b.putU32(RtnetlinkH.RTA_OIF, 5);
        b.putU64(99, -2L);
        b.putU16Be(98, 4789);
        b.putU32Be(97, 0xdeadbeef);
        b.putFlag(96);
        b.putBytes(95, new byte[] {1, 2, 3});
        b.putU8(94, 200);
        b.putU16(93, 65535);
        NetlinkMessage m =
                MessageParser.parse(MessageBuilderTest.bytesOf(b.finish())).get(0);
        assertThat(RtMsg.decode(m)).isEqualTo(new RtMsg(2, 0, 0, 0, 254, 4, 0, 1, 4));
        Attributes a = m.attributes(RtMsg.SIZE, "rtmsg");
        assertThat(a.require(RtnetlinkH.RTA_GATEWAY, "RTA_GATEWAY").address())
                .isEqualTo(InetAddress.getByName("198.18.0.1"));
        assertThat(a.require(RtnetlinkH.RTA_OIF, "RTA_OIF").u32()).isEqualTo(5);
        assertThat(a.require(99, "u64").u64()).isEqualTo(-2L);
        assertThat(a.require(98, "port").u16Be()).isEqualTo(4789);
        assertThat(a.require(97, "be32").u32Be()).isEqualTo(0xdeadbeef);
        assertThat(a.require(96, "flag").payloadLength()).isZero();
        assertThat(a.require(95, "bytes").bytes()).containsExactly(1, 2, 3);
        assertThat(a.require(94, "u8").u8()).isEqualTo(200);
        assertThat(a.require(93, "u16").u16()).isEqualTo(65535);
        assertThat(a.all(96)).hasSize(1);
        assertThat(a.list()).hasSize(9);
    }

    @Test
    void errorMessageCarriesErrnoAndEchoedRequest() {
        // NLMSG_ERROR, error -17 (EEXIST), echoing an RTM_NEWLINK of 40 bytes with seq 9 (capped).
        var m = MessageParser.parse(Hex.bytes(
                        "24000000 0200 0001 09000000 00000000" + "efffffff" + "28000000 1000 0506 09000000 00000000"))
                .get(0);
        ErrorMessage e = m.error();
        assertThat(e.isAck()).isFalse();
        assertThat(e.errno()).isEqualTo(17);
        assertThat(e.request().type()).isEqualTo(RtnetlinkH.RTM_NEWLINK);
        assertThat(e.request().sequence()).isEqualTo(9);
        assertThat(e.kernelMessage()).isEmpty();
    }

    @Test
    void ackIsAnErrorMessageWithZeroErrno() {
        var m = MessageParser.parse(Hex.bytes(
                        "24000000 0200 0001 05000000 00000000" + "00000000" + "20000000 1300 0500 05000000 00000000"))
                .get(0);
        assertThat(m.isError()).isTrue();
        assertThat(m.error().isAck()).isTrue();
        assertThat(m.error().errno()).isZero();
    }

    @Test
    void extendedAckMessageIsRead() {
        // NLM_F_CAPPED | NLM_F_ACK_TLVS, then NLMSGERR_ATTR_MSG "bad" after the echoed header.
        var m = MessageParser.parse(Hex.bytes("2c000000 0200 0003 05000000 00000000"
                        + "eaffffff" + "20000000 1000 0500 05000000 00000000"
                        + "0800 0100 62616400"))
                .get(0);
        assertThat(m.error().errno()).isEqualTo(22);
        assertThat(m.error().kernelMessage()).contains("bad");
    }

    @Test
    void extendedAckAfterAFullEchoedRequestIsRead() {
        // Not capped: the whole 20-byte request is echoed before the TLVs.
        var m = MessageParser.parse(Hex.bytes("30000000 0200 0002 05000000 00000000"
                        + "eaffffff" + "14000000 1000 0500 05000000 00000000 01020304"
                        + "0800 0100 78797a00"))
                .get(0);
        assertThat(m.error().kernelMessage()).contains("xyz");
    }

    @Test
    void emptyBufferIsRejected() {
        assertThatThrownBy(() -> MessageParser.parse(new byte[0]))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("nlmsghdr (16 bytes)")
                .hasMessageContaining("empty");
    }

    @Test
    void shortHeaderNamesWhatWasExpectedAndWhere() {
        assertThatThrownBy(() -> MessageParser.parse(Hex.bytes(DONE + "01020304050607")))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("offset 20")
                .hasMessageContaining("expected nlmsghdr (16 bytes)")
                .hasMessageContaining("7 bytes left");
    }

    @Test
    void lengthSmallerThanHeaderIsRejected() {
        assertThatThrownBy(() -> MessageParser.parse(Hex.bytes("08000000 0300 0000 00000000 00000000")))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("nlmsg_len >= 16")
                .hasMessageContaining("nlmsg_len 8");
    }

    @Test
    void lengthBeyondTheBufferIsRejected() {
        assertThatThrownBy(() -> MessageParser.parse(Hex.bytes("00010000 0300 0000 00000000 00000000")))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("nlmsg_len 256")
                .hasMessageContaining("only 16 bytes left");
    }

    @Test
    void attributeShorterThanItsHeaderIsRejected() {
        var m = MessageParser.parse(Hex.bytes("18000000 0100 0000 00000000 00000000 0200 0300 00000000"))
                .get(0);
        assertThatThrownBy(() -> m.attributes(0, "none"))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("offset 16")
                .hasMessageContaining("nla_len >= 4");
    }

    @Test
    void attributeRunningPastItsMessageIsRejected() {
        var m = MessageParser.parse(Hex.bytes("18000000 0100 0000 00000000 00000000 2000 0300 00000000"))
                .get(0);
        assertThatThrownBy(() -> m.attributes(0, "none"))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("attribute of 32 bytes")
                .hasMessageContaining("only 8 bytes left");
    }

    @Test
    void trailingBytesAfterAttributesAreRejected() {
        var m = MessageParser.parse(Hex.bytes("16000000 0100 0000 00000000 00000000 0400 0300 0000"))
                .get(0);
        assertThatThrownBy(() -> m.attributes(0, "none"))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("2 trailing bytes");
    }

    @Test
    void attributeOfTheWrongSizeNamesTypeAndSize() {
        var a = MessageParser.parse(Hex.bytes("18000000 0100 0000 00000000 00000000 0600 0400 0100 0000"))
                .get(0)
                .attributes(0, "none")
                .get(0);
        assertThatThrownBy(a::u32)
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("attribute 4 as u32 (4 bytes)")
                .hasMessageContaining("found 2 bytes");
        assertThatThrownBy(a::u64).hasMessageContaining("u64 (8 bytes)");
        assertThatThrownBy(a::address).hasMessageContaining("IP address (4 or 16 bytes)");
        assertThatThrownBy(a::u8).hasMessageContaining("u8 (1 bytes)");
        assertThatThrownBy(() -> a.nested(4)).hasMessageContaining("4-byte header");
    }

    @Test
    void missingRequiredAttributeIsNamed() {
        var attrs = MessageParser.parse(Hex.bytes(NEWLINK)).get(0).attributes(IfInfoMsg.SIZE, "ifinfomsg");
        assertThatThrownBy(() -> attrs.require(IfLinkH.IFLA_MASTER, "IFLA_MASTER"))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("IFLA_MASTER (10)")
                .hasMessageContaining("offset 32"); // where the attributes after the ifinfomsg begin
    }

    @Test
    void familyHeaderLongerThanThePayloadIsRejected() {
        var m = MessageParser.parse(Hex.bytes(DONE)).get(0);
        assertThatThrownBy(() -> IfInfoMsg.decode(m))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("ifinfomsg (16 bytes)")
                .hasMessageContaining("4 bytes of payload");
        assertThatThrownBy(() -> RtMsg.decode(m)).hasMessageContaining("rtmsg (12 bytes)");
        assertThatThrownBy(() -> NdMsg.decode(m)).hasMessageContaining("ndmsg (12 bytes)");
        assertThatThrownBy(() -> IfAddrMsg.decode(m)).hasMessageContaining("ifaddrmsg (8 bytes)");
        assertThat(GenlMsgHdr.decode(m)).isEqualTo(new GenlMsgHdr(0, 0));
    }

    @Test
    void truncatedErrorMessageIsRejected() {
        var m = MessageParser.parse(Hex.bytes("18000000 0200 0000 00000000 00000000 efffffff 10000000"))
                .get(0);
        assertThatThrownBy(m::error)
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("nlmsgerr")
                .hasMessageContaining("8 bytes of payload");
    }

    @Test
    void errorDecodingANonErrorMessageIsRejected() {
        var m = MessageParser.parse(Hex.bytes(NEWLINK)).get(0);
        assertThatThrownBy(m::error).hasMessageContaining("NLMSG_ERROR message (type 2)");
    }

    @Test
    void nestedAttributesAreCheckedAgainstTheirParent() {
        // IFLA_LINKINFO of 12 bytes whose child claims 16.
        var attrs = MessageParser.parse(Hex.bytes("1c000000 0100 0000 00000000 00000000 0c00 1280 1000 0100 61620000"))
                .get(0)
                .attributes(0, "none");
        assertThatThrownBy(() -> attrs.get(0).nested())
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("offset 20")
                .hasMessageContaining("only 8 bytes left in its container");
    }

    @Test
    void stringStopsAtTheFirstNulAndToleratesAMissingOne() {
        var attrs = MessageParser.parse(
                        Hex.bytes("20000000 0100 0000 00000000 00000000 0700 0300 616263 00 0600 0300 6869 0000"))
                .get(0)
                .attributes(0, "none");
        assertThat(attrs.get(0).string()).isEqualTo("abc");
        assertThat(attrs.get(1).string()).isEqualTo("hi");
    }
}
