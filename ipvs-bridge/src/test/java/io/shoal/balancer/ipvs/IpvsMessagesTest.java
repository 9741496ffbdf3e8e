package io.shoal.balancer.ipvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shoal.balancer.spec.IpLiterals;
import io.shoal.netlink.codec.MessageBuilder;
import java.net.InetAddress;
import java.nio.ByteOrder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every IPVS request byte for byte against the layout of {@code include/uapi/linux/ip_vs.h} and
 * what {@code ip_vs_ctl.c} parses. Expected bytes are written by hand from the structs, for a
 * little-endian host (x86-64, arm64): u16/u32 host order, ports big-endian, addresses as
 * {@code union nf_inet_addr} (16 bytes). The family id is 0x1c as an example.
 */
class IpvsMessagesTest {
    private static final int FAMILY = 0x1c;
    private static final IpvsMessages MESSAGES = new IpvsMessages(FAMILY);
    private static final InetAddress VIP = IpLiterals.parse("100.64.0.10", "vip");
    private static final InetAddress BACKEND = IpLiterals.parse("198.18.0.11", "backend");
    private static final IpvsServiceKey WEB = new IpvsServiceKey(VIP, IpVsH.IPPROTO_TCP, 80, 0);

    /** The service key as every command carries it: AF, PROTOCOL, ADDR, PORT (44 bytes). */
    private static final String WEB_KEY =
            """
            0600 0100 0200 0000                    // IPVS_SVC_ATTR_AF (len 6): AF_INET 2, u16 + 2 pad
            0600 0200 0600 0000                    // IPVS_SVC_ATTR_PROTOCOL (len 6): IPPROTO_TCP 6 + pad
            1400 0300 6440000a 00000000 00000000 00000000 // IPVS_SVC_ATTR_ADDR (len 20): 100.64.0.10 + 12 zero bytes
            0600 0400 0050 0000                    // IPVS_SVC_ATTR_PORT (len 6): 80 big-endian + pad
            """;

    @BeforeAll
    static void littleEndianHost() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "expected bytes are written for little-endian");
    }

    private static String bytes(MessageBuilder b) {
        return Bytes.of(b.finish());
    }

    @Test
    void newServiceCarriesTheFullEntry() {
        IpvsService rr = new IpvsService(WEB, "rr", 0, 0, 0xffffffff);

        assertThat(bytes(MESSAGES.newService(rr)))
                .isEqualTo(
                        Bytes.clean(
                                """
                68000000 1c00 0100 00000000 00000000   // nlmsghdr: len 104, type 0x1c (IPVS), NLM_F_REQUEST, seq 0, pid 0
                01 01 0000                             // genlmsghdr: IPVS_CMD_NEW_SERVICE, version 1, reserved
                5400 0180                              // IPVS_CMD_ATTR_SERVICE | NLA_F_NESTED, len 84
                """
                                        + WEB_KEY
                                        + """
                0700 0600 727200 00                    // IPVS_SVC_ATTR_SCHED_NAME (len 7): "rr\\0" + pad
                0c00 0700 00000000 ffffffff            // IPVS_SVC_ATTR_FLAGS: struct ip_vs_flags {flags 0, mask ~0}
                0800 0800 00000000                     // IPVS_SVC_ATTR_TIMEOUT: 0 s
                0800 0900 ffffffff                     // IPVS_SVC_ATTR_NETMASK: 255.255.255.255
                """));
    }

    @Test
    void persistentServiceCarriesFlagAndTimeout() {
        IpvsServiceKey dns = new IpvsServiceKey(VIP, IpVsH.IPPROTO_UDP, 53, 0);
        IpvsService sticky = new IpvsService(dns, "wrr", IpVsH.IP_VS_SVC_F_PERSISTENT, 300, 0xffffffff);

        assertThat(bytes(MESSAGES.setService(sticky)))
                .isEqualTo(
                        Bytes.clean(
                                """
                68000000 1c00 0100 00000000 00000000   // nlmsghdr: len 104
                02 01 0000                             // IPVS_CMD_SET_SERVICE, version 1
                5400 0180                              // IPVS_CMD_ATTR_SERVICE nested, len 84
                0600 0100 0200 0000                    // AF_INET
                0600 0200 1100 0000                    // IPPROTO_UDP 17
                1400 0300 6440000a 00000000 00000000 00000000 // 100.64.0.10
                0600 0400 0035 0000                    // port 53 big-endian
                0800 0600 77727200                     // SCHED_NAME (len 8): "wrr\\0"
                0c00 0700 01000000 ffffffff            // FLAGS {IP_VS_SVC_F_PERSISTENT, mask ~0}
                0800 0800 2c010000                     // TIMEOUT 300 s
                0800 0900 ffffffff                     // NETMASK /32: one client address sticks
                """));
    }

    @Test
    void maglevServiceHashesPortWithFallback() {
        IpvsService mh = new IpvsService(
                WEB, "mh", IpVsH.IP_VS_SVC_F_SCHED_SH_PORT | IpVsH.IP_VS_SVC_F_SCHED_SH_FALLBACK, 0, 0xffffffff);

        String hex = bytes(MESSAGES.newService(mh));

        assertThat(hex).contains(Bytes.clean("0700 0600 6d6800 00")); // SCHED_NAME "mh\0"
        assertThat(hex).contains(Bytes.clean("0c00 0700 18000000 ffffffff")); // SCHED2 (port) | SCHED1 (fallback)
    }

    @Test
    void deleteServiceCarriesOnlyTheKey() {
        assertThat(bytes(MESSAGES.delService(WEB)))
                .isEqualTo(Bytes.clean(
                        """
                44000000 1c00 0100 00000000 00000000   // nlmsghdr: len 68
                03 01 0000                             // IPVS_CMD_DEL_SERVICE
                3000 0180                              // IPVS_CMD_ATTR_SERVICE nested, len 48
                """
                                + WEB_KEY));
    }

    @Test
    void fwmarkServiceIsKeyedByTheMarkAlone() {
        IpvsServiceKey marked = new IpvsServiceKey(IpLiterals.parse("0.0.0.0", "any"), IpVsH.IPPROTO_TCP, 0, 0x101);

        assertThat(bytes(MESSAGES.delService(marked)))
                .isEqualTo(
                        Bytes.clean(
                                """
                28000000 1c00 0100 00000000 00000000   // len 40
                03 01 0000                             // IPVS_CMD_DEL_SERVICE
                1400 0180                              // IPVS_CMD_ATTR_SERVICE nested, len 20
                0600 0100 0200 0000                    // AF_INET
                0800 0500 01010000                     // IPVS_SVC_ATTR_FWMARK 0x101; no protocol/addr/port
                """));
    }

    @Test
    void mappedAllPortsServiceIsAFwmarkServiceWithItsOwnScheduler() {
        io.shoal.balancer.spec.VirtualService any = io.shoal.balancer.spec.VirtualService.builder("any")
                .vip("100.64.0.12")
                .allPorts()
                .backend("198.18.0.11", 0)
                .build();
        IpvsTable.Entry e = IpvsMapping.entry(any, java.util.Map.of(IpvsMarks.Target.of(any), 0x53480a0b));

        assertThat(bytes(MESSAGES.newService(e.service())))
                .isEqualTo(
                        Bytes.clean(
                                """
                4c000000 1c00 0100 00000000 00000000   // nlmsghdr: len 76
                01 01 0000                             // IPVS_CMD_NEW_SERVICE, version 1
                3800 0180                              // IPVS_CMD_ATTR_SERVICE | NLA_F_NESTED, len 56
                0600 0100 0200 0000                    // IPVS_SVC_ATTR_AF: AF_INET (the VIP's family)
                0800 0500 0b0a4853                     // IPVS_SVC_ATTR_FWMARK: 0x53480a0b; no protocol/addr/port
                0700 0600 727200 00                    // IPVS_SVC_ATTR_SCHED_NAME: "rr\0", per connection
                0c00 0700 00000000 ffffffff            // IPVS_SVC_ATTR_FLAGS: 0 (not persistent), mask ~0
                0800 0800 00000000                     // IPVS_SVC_ATTR_TIMEOUT: 0 s
                0800 0900 ffffffff                     // IPVS_SVC_ATTR_NETMASK: 255.255.255.255
                """));
        assertThat(bytes(MESSAGES.newDest(
                        e.service().key(), e.destinations().values().iterator().next())))
                .isEqualTo(
                        Bytes.clean(
                                """
                70000000 1c00 0100 00000000 00000000   // nlmsghdr: len 112
                05 01 0000                             // IPVS_CMD_NEW_DEST
                1400 0180                              // IPVS_CMD_ATTR_SERVICE nested, len 20: AF + FWMARK
                0600 0100 0200 0000                    // AF_INET
                0800 0500 0b0a4853                     // IPVS_SVC_ATTR_FWMARK 0x53480a0b
                4800 0280                              // IPVS_CMD_ATTR_DEST | NLA_F_NESTED, len 72
                1400 0100 c612000b 00000000 00000000 00000000 // IPVS_DEST_ATTR_ADDR: 198.18.0.11
                0600 0200 0000 0000                    // IPVS_DEST_ATTR_PORT: 0 = the client's destination port
                0800 0300 00000000                     // IPVS_DEST_ATTR_FWD_METHOD: IP_VS_CONN_F_MASQ
                0800 0400 01000000                     // IPVS_DEST_ATTR_WEIGHT: 1
                0800 0500 00000000                     // IPVS_DEST_ATTR_U_THRESH: none
                0800 0600 00000000                     // IPVS_DEST_ATTR_L_THRESH: none
                0600 0b00 0200 0000                    // IPVS_DEST_ATTR_ADDR_FAMILY: AF_INET
                """));
    }

    @Test
    void newDestCarriesServiceKeyAndFullDestination() {
        IpvsDestination dest = IpvsDestination.masq(BACKEND, 8080, 2);

        assertThat(bytes(MESSAGES.newDest(WEB, dest)))
                .isEqualTo(
                        Bytes.clean(
                                """
                8c000000 1c00 0100 00000000 00000000   // nlmsghdr: len 140
                05 01 0000                             // IPVS_CMD_NEW_DEST
                3000 0180                              // IPVS_CMD_ATTR_SERVICE nested, len 48: the key only
                """
                                        + WEB_KEY
                                        + """
                4800 0280                              // IPVS_CMD_ATTR_DEST | NLA_F_NESTED, len 72
                1400 0100 c612000b 00000000 00000000 00000000 // IPVS_DEST_ATTR_ADDR: 198.18.0.11, 16 bytes
                0600 0200 1f90 0000                    // IPVS_DEST_ATTR_PORT: 8080 big-endian
                0800 0300 00000000                     // IPVS_DEST_ATTR_FWD_METHOD: IP_VS_CONN_F_MASQ
                0800 0400 02000000                     // IPVS_DEST_ATTR_WEIGHT: 2
                0800 0500 00000000                     // IPVS_DEST_ATTR_U_THRESH: none
                0800 0600 00000000                     // IPVS_DEST_ATTR_L_THRESH: none
                0600 0b00 0200 0000                    // IPVS_DEST_ATTR_ADDR_FAMILY: AF_INET
                """));
    }

    @Test
    void setDestToWeightZeroQuiesces() {
        String hex = bytes(MESSAGES.setDest(WEB, IpvsDestination.masq(BACKEND, 8080, 0)));

        assertThat(hex).startsWith(Bytes.clean("8c000000 1c00 0100 00000000 00000000 06 01 0000"));
        assertThat(hex).contains(Bytes.clean("0800 0400 00000000")); // WEIGHT 0
    }

    @Test
    void deleteDestCarriesOnlyAddressPortAndFamily() {
        assertThat(bytes(MESSAGES.delDest(WEB, new IpvsDestination.Key(BACKEND, 8080))))
                .isEqualTo(
                        Bytes.clean(
                                """
                        6c000000 1c00 0100 00000000 00000000   // len 108
                        07 01 0000                             // IPVS_CMD_DEL_DEST
                        3000 0180                              // service key, len 48
                        """
                                        + WEB_KEY
                                        + """
                        2800 0280                              // IPVS_CMD_ATTR_DEST nested, len 40
                        1400 0100 c612000b 00000000 00000000 00000000 // ADDR
                        0600 0200 1f90 0000                    // PORT 8080
                        0600 0b00 0200 0000                    // ADDR_FAMILY AF_INET
                        """));
    }

    @Test
    void dumpRequestsCarryNoAttributesExceptTheServiceOfDestinations() {
        assertThat(bytes(MESSAGES.dumpServices()))
                .isEqualTo(Bytes.clean("14000000 1c00 0100 00000000 00000000 04 01 0000")); // GET_SERVICE
        assertThat(bytes(MESSAGES.dumpDests(WEB)))
                .isEqualTo(Bytes.clean(
                        """
                44000000 1c00 0100 00000000 00000000 08 01 0000 // len 68, IPVS_CMD_GET_DEST
                3000 0180                                       // the service whose destinations to list
                """
                                + WEB_KEY));
    }

    @Test
    void infoConfigAndFlushAreBareCommands() {
        assertThat(bytes(MESSAGES.getInfo())).isEqualTo(Bytes.clean("14000000 1c00 0100 00000000 00000000 0f 01 0000"));
        assertThat(bytes(MESSAGES.getConfig()))
                .isEqualTo(Bytes.clean("14000000 1c00 0100 00000000 00000000 0d 01 0000"));
        assertThat(bytes(MESSAGES.flush())).isEqualTo(Bytes.clean("14000000 1c00 0100 00000000 00000000 11 01 0000"));
    }

    @Test
    void setConfigCarriesTheThreeTimeouts() {
        assertThat(bytes(MESSAGES.setConfig(new IpvsConfig(86_400, 120, 120))))
                .isEqualTo(
                        Bytes.clean(
                                """
                2c000000 1c00 0100 00000000 00000000   // len 44
                0c 01 0000                             // IPVS_CMD_SET_CONFIG
                0800 0400 80510100                     // IPVS_CMD_ATTR_TIMEOUT_TCP 86400 s
                0800 0500 78000000                     // IPVS_CMD_ATTR_TIMEOUT_TCP_FIN 120 s
                0800 0600 78000000                     // IPVS_CMD_ATTR_TIMEOUT_UDP 120 s
                """));
    }

    @Test
    void badValuesAreRefusedNamingTheField() {
        assertThatThrownBy(() -> new IpvsMessages(3)).hasMessageContaining("familyId");
        assertThatThrownBy(() -> new IpvsService(WEB, "a-scheduler-name-too-long", 0, 0, 0))
                .hasMessageContaining("scheduler must be 1..15 characters");
        assertThatThrownBy(() -> new IpvsServiceKey(VIP, 1, 80, 0)).hasMessageContaining("protocol must be TCP");
        assertThatThrownBy(() -> IpvsDestination.masq(BACKEND, 8080, -1)).hasMessageContaining("weight");
    }
}
