package io.shoal.vxlan;

import static io.shoal.vxlan.PureLogicTest.ip;
import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.netlink.codec.Attributes;
import io.shoal.netlink.codec.IfInfoMsg;
import io.shoal.netlink.codec.MessageParser;
import io.shoal.netlink.codec.NetlinkMessage;
import io.shoal.netlink.uapi.IfLinkH;
import io.shoal.netlink.uapi.NetlinkH;
import io.shoal.netlink.uapi.RtnetlinkH;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class VxlanRequestTest {
    @Test
    void vxlanRequestAsksForProxyNoLearningPortLocalAndUnderlay() {
        ByteBuffer wire =
                VxlanRequest.build("vxt0010f5", 4341, 4789, ip("198.18.0.1"), 7).finish();
        List<NetlinkMessage> messages = MessageParser.parse(wire, 0, wire.limit());
        assertThat(messages).hasSize(1);
        NetlinkMessage m = messages.get(0);
        assertThat(m.type()).isEqualTo(RtnetlinkH.RTM_NEWLINK);
        assertThat(m.header().flags() & (NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_EXCL))
                .isEqualTo(NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_EXCL);
        Attributes a = m.attributes(IfInfoMsg.SIZE, "ifinfomsg");
        assertThat(a.require(IfLinkH.IFLA_IFNAME, "name").string()).isEqualTo("vxt0010f5");
        Attributes info = a.require(IfLinkH.IFLA_LINKINFO, "linkinfo").nested();
        assertThat(info.require(IfLinkH.IFLA_INFO_KIND, "kind").string()).isEqualTo("vxlan");
        Attributes data = info.require(IfLinkH.IFLA_INFO_DATA, "data").nested();
        assertThat(data.require(IfLinkH.IFLA_VXLAN_ID, "id").u32()).isEqualTo(4341);
        assertThat(data.require(IfLinkH.IFLA_VXLAN_PORT, "port").u16Be()).isEqualTo(4789);
        assertThat(data.require(IfLinkH.IFLA_VXLAN_LEARNING, "learning").u8()).isZero();
        assertThat(data.require(VxlanRequest.IFLA_VXLAN_PROXY, "proxy").u8()).isEqualTo(1);
        assertThat(data.require(IfLinkH.IFLA_VXLAN_LOCAL, "local").address()).isEqualTo(ip("198.18.0.1"));
        assertThat(data.require(IfLinkH.IFLA_VXLAN_LINK, "link").u32()).isEqualTo(7);
    }

    @Test
    void withoutAnUnderlayIndexNoLinkAttributeIsSent() {
        ByteBuffer wire = VxlanRequest.build("vx", 1, 4789, ip("198.18.0.1"), 0).finish();
        NetlinkMessage m = MessageParser.parse(wire, 0, wire.limit()).get(0);
        Attributes data = m.attributes(IfInfoMsg.SIZE, "ifinfomsg")
                .require(IfLinkH.IFLA_LINKINFO, "linkinfo")
                .nested()
                .require(IfLinkH.IFLA_INFO_DATA, "data")
                .nested();
        assertThat(data.has(IfLinkH.IFLA_VXLAN_LINK)).isFalse();
    }
}
