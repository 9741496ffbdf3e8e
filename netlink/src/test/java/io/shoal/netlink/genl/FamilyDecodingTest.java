package io.shoal.netlink.genl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.netlink.codec.GenlMsgHdr;
import io.shoal.netlink.codec.MalformedMessageException;
import io.shoal.netlink.codec.MessageBuilder;
import io.shoal.netlink.codec.MessageParser;
import io.shoal.netlink.codec.NetlinkMessage;
import io.shoal.netlink.uapi.GenetlinkH;
import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The controller's CTRL_CMD_NEWFAMILY answer, laid out as in genetlink.h. */
class FamilyDecodingTest {
    private static NetlinkMessage parse(MessageBuilder b) {
        ByteBuffer message = b.finish();
        byte[] bytes = new byte[message.remaining()];
        message.get(bytes);
        return MessageParser.parse(bytes).get(0);
    }

    private static MessageBuilder newFamily() {
        MessageBuilder b = new MessageBuilder().begin(GenetlinkH.GENL_ID_CTRL, 0);
        new GenlMsgHdr(GenetlinkH.CTRL_CMD_NEWFAMILY, 2).encode(b);
        b.putString(GenetlinkH.CTRL_ATTR_FAMILY_NAME, "IPVS");
        return b;
    }

    @Test
    void familyWithMulticastGroupsDecodes() {
        MessageBuilder b = newFamily();
        b.putU16(GenetlinkH.CTRL_ATTR_FAMILY_ID, 0x1b);
        b.putU32(GenetlinkH.CTRL_ATTR_VERSION, 1);
        b.putU32(GenetlinkH.CTRL_ATTR_HDRSIZE, 0);
        b.putU32(GenetlinkH.CTRL_ATTR_MAXATTR, 4);
        int groups = b.beginNested(GenetlinkH.CTRL_ATTR_MCAST_GROUPS);
        int first = b.beginNested(1);
        b.putString(GenetlinkH.CTRL_ATTR_MCAST_GRP_NAME, "events");
        b.putU32(GenetlinkH.CTRL_ATTR_MCAST_GRP_ID, 7);
        b.endNested(first);
        int second = b.beginNested(2);
        b.putU32(GenetlinkH.CTRL_ATTR_MCAST_GRP_ID, 8);
        b.putString(GenetlinkH.CTRL_ATTR_MCAST_GRP_NAME, "sync");
        b.endNested(second).endNested(groups);

        assertThat(GenericNetlink.decode(parse(b)))
                .isEqualTo(new GenlFamily("IPVS", 0x1b, 1, 0, 4, Map.of("events", 7, "sync", 8)));
    }

    @Test
    void familyWithoutIdIsMalformed() {
        assertThatThrownBy(() -> GenericNetlink.decode(parse(newFamily())))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("CTRL_ATTR_FAMILY_ID (1)");
    }
}
