package io.shoal.balancer.ipvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shoal.balancer.spec.IpLiterals;
import io.shoal.netlink.codec.MalformedMessageException;
import io.shoal.netlink.codec.MessageParser;
import io.shoal.netlink.codec.NetlinkMessage;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dump entries and replies as the kernel writes them ({@code ip_vs_genl_fill_service},
 * {@code ip_vs_genl_fill_dest}, GET_CONFIG, GET_INFO): nests without {@code NLA_F_NESTED}
 * ({@code nla_nest_start_noflag}), the kernel's HASHED flag set, statistics nests to skip.
 * Little-endian host.
 */
class IpvsRepliesTest {
    @BeforeAll
    static void littleEndianHost() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "replies are written for little-endian");
    }

    private static NetlinkMessage message(String hex) {
        List<NetlinkMessage> all = MessageParser.parse(Bytes.hex(hex));
        assertThat(all).hasSize(1);
        return all.get(0);
    }

    /** A GET_SERVICE dump entry for a persistent UDP service, with a stats nest. */
    static final String SERVICE_ENTRY =
            """
            7c000000 1c00 0200 07000000 00000000   // nlmsghdr: len 124, IPVS, NLM_F_MULTI, seq 7
            01 01 0000                             // genlmsghdr: IPVS_CMD_NEW_SERVICE, version 1
            6800 0100                              // IPVS_CMD_ATTR_SERVICE, len 104, no NLA_F_NESTED
            0600 0100 0200 0000                    //   AF_INET
            0600 0200 1100 0000                    //   IPPROTO_UDP
            1400 0300 6440000a 00000000 00000000 00000000 // ADDR 100.64.0.10
            0600 0400 0035 0000                    //   port 53
            0800 0600 77727200                     //   SCHED_NAME "wrr"
            0c00 0700 03000000 ffffffff            //   FLAGS: PERSISTENT | HASHED (the kernel's own), mask ~0
            0800 0800 2c010000                     //   TIMEOUT 300
            0800 0900 ffffffff                     //   NETMASK /32
            1400 0a00                              //   IPVS_SVC_ATTR_STATS, len 20
            0800 0100 05000000                     //     CONNS 5
            0800 0200 09000000                     //     INPKTS 9
            """;

    @Test
    void serviceDumpEntryDecodesWithoutTheKernelsHashedFlag() {
        IpvsService s = IpvsReplies.service(message(SERVICE_ENTRY));

        assertThat(s.key())
                .isEqualTo(new IpvsServiceKey(IpLiterals.parse("100.64.0.10", "vip"), IpVsH.IPPROTO_UDP, 53, 0));
        assertThat(s.scheduler()).isEqualTo("wrr");
        assertThat(s.flags()).isEqualTo(IpVsH.IP_VS_SVC_F_PERSISTENT);
        assertThat(s.timeout()).isEqualTo(300);
        assertThat(s.netmask()).isEqualTo(0xffffffff);
    }

    @Test
    void decodedServiceEqualsWhatWasSentSoReapplyingChangesNothing() {
        IpvsService sent = new IpvsService(
                new IpvsServiceKey(IpLiterals.parse("100.64.0.10", "vip"), IpVsH.IPPROTO_UDP, 53, 0),
                "wrr",
                IpVsH.IP_VS_SVC_F_PERSISTENT,
                300,
                0xffffffff);

        assertThat(IpvsReplies.service(message(SERVICE_ENTRY))).isEqualTo(sent);
    }

    @Test
    void fwmarkServiceEntryHasNoAddress() {
        IpvsService s = IpvsReplies.service(message(
                """
                4c000000 1c00 0200 01000000 00000000   // len 76
                01 01 0000
                3800 0100                              // SERVICE, len 56
                0600 0100 0200 0000                    // AF_INET
                0800 0500 01010000                     // FWMARK 0x101
                0700 0600 727200 00                    // "rr"
                0c00 0700 02000000 ffffffff            // HASHED only
                0800 0800 00000000                     // TIMEOUT 0
                """
                        + "0800 0900 ffffffff"));

        assertThat(s.key().fwmark()).isEqualTo(0x101);
        assertThat(s.key().port()).isZero();
        assertThat(s.flags()).isZero();
    }

    @Test
    void destinationDumpEntryDecodesAndSkipsCountersAndStats() {
        IpvsDestination d = IpvsReplies.destination(
                message(
                        """
                        78000000 1c00 0200 08000000 00000000   // len 120
                        05 01 0000                             // IPVS_CMD_NEW_DEST
                        6400 0200                              // IPVS_CMD_ATTR_DEST, len 100
                        1400 0100 c612000b 00000000 00000000 00000000 // ADDR 198.18.0.11
                        0600 0200 1f90 0000                    //   PORT 8080
                        0800 0300 00000000                     //   FWD_METHOD masq
                        0800 0400 03000000                     //   WEIGHT 3
                        0800 0500 00000000                     //   U_THRESH
                        0800 0600 00000000                     //   L_THRESH
                        0800 0700 05000000                     //   ACTIVE_CONNS 5
                        0800 0800 01000000                     //   INACT_CONNS 1
                        0600 0b00 0200 0000                    //   ADDR_FAMILY AF_INET
                        0c00 0a00 0800 0100 2a000000           //   STATS { CONNS 42 }
                        """),
                IpVsH.AF_INET);

        assertThat(d).isEqualTo(IpvsDestination.masq(IpLiterals.parse("198.18.0.11", "backend"), 8080, 3));
    }

    @Test
    void configAndInfoRepliesDecode() {
        IpvsConfig c = IpvsReplies.config(
                message(
                        """
                2c000000 1c00 0000 02000000 00000000   // len 44
                0c 01 0000                             // IPVS_CMD_SET_CONFIG (the reply to GET_CONFIG)
                0800 0400 84030000                     // TCP 900
                0800 0500 78000000                     // TCP_FIN 120
                0800 0600 2c010000                     // UDP 300
                """));
        IpvsInfo i = IpvsReplies.info(
                message(
                        """
                24000000 1c00 0000 03000000 00000000   // len 36
                0e 01 0000                             // IPVS_CMD_SET_INFO (the reply to GET_INFO)
                0800 0100 01020100                     // VERSION 0x010201
                0800 0200 00100000                     // CONN_TAB_SIZE 4096
                """));

        assertThat(c).isEqualTo(new IpvsConfig(900, 120, 300));
        assertThat(i.versionString()).isEqualTo("1.2.1");
        assertThat(i.connectionTableSize()).isEqualTo(4096);
    }

    @Test
    void serviceEntryWithoutSchedulerIsMalformedNamingIt() {
        NetlinkMessage m = message(
                """
                44000000 1c00 0200 01000000 00000000   // len 68
                01 01 0000
                3000 0100                              // SERVICE, len 48
                0600 0100 0200 0000
                0600 0200 0600 0000
                1400 0300 6440000a 00000000 00000000 00000000
                """
                        + "0600 0400 0050 0000");

        assertThatThrownBy(() -> IpvsReplies.service(m))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("IPVS_SVC_ATTR_FLAGS");
    }

    @Test
    void replyOfAnotherCommandIsMalformed() {
        NetlinkMessage m = message("14000000 1c00 0000 01000000 00000000 05 01 0000");

        assertThatThrownBy(() -> IpvsReplies.service(m))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("IPVS_CMD_NEW_SERVICE");
    }

    @Test
    void ipv4ServiceWithAFiveByteAddressIsMalformed() {
        NetlinkMessage m = message(
                """
                34000000 1c00 0200 01000000 00000000   // len 52
                01 01 0000
                2000 0100                              // SERVICE, len 32
                0600 0100 0200 0000                    // AF_INET
                0600 0200 0600 0000                    // TCP
                """
                        + "0900 0300 6440000a 01 000000"); // ADDR of 5 bytes + pad

        assertThatThrownBy(() -> IpvsReplies.service(m))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("an address of family 2")
                .hasMessageContaining("5 bytes");
    }
}
