package io.shoal.netlink.nftables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shoal.netlink.codec.MalformedMessageException;
import io.shoal.netlink.codec.MessageBuilder;
import io.shoal.netlink.codec.MessageParser;
import io.shoal.netlink.codec.NetlinkMessage;
import io.shoal.netlink.socket.NetlinkSocket;
import io.shoal.netlink.socket.Request;
import io.shoal.netlink.uapi.NfTablesH;
import io.shoal.netlink.uapi.NfnetlinkH;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * nf_tables messages byte for byte. Expected bytes are written from {@code struct nlmsghdr},
 * {@code struct nfgenmsg} and the attribute enums of {@code <linux/netfilter/nf_tables.h>}, for a
 * little-endian host, and were checked against what {@code nft --debug=mnl} 1.0.6 sends for the same
 * commands (nft adds an optional {@code NFTA_SET_ELEM_LIST_SET_ID} to additions; Shoal changes
 * existing sets and leaves it out).
 */
class NfTablesMessagesTest {
    private static final InetAddress VIP = address("100.64.0.10");
    private static final InetAddress BACKEND = address("198.18.0.11");

    @BeforeAll
    static void littleEndianHost() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "expected bytes are written for little-endian");
    }

    @Test
    void batchEnvelopeNamesTheNfTablesSubsystemBigEndian() {
        assertThat(hex(NfTablesMessages.batchBegin()))
                .isEqualTo(
                        clean(
                                """
                        14000000 1000 0100 00000000 00000000   // nlmsghdr: len 20, NFNL_MSG_BATCH_BEGIN 0x10, NLM_F_REQUEST
                        00 00 000a                             // nfgenmsg: NFPROTO_UNSPEC, NFNETLINK_V0, res_id = htons(NFNL_SUBSYS_NFTABLES)
                        """));
        assertThat(hex(NfTablesMessages.batchEnd()))
                .isEqualTo(
                        clean(
                                """
                        14000000 1100 0100 00000000 00000000   // NFNL_MSG_BATCH_END 0x11
                        00 00 000a
                        """));
    }

    @Test
    void slotElementWithConcatenatedKeyAndValue() {
        byte[] key = NftKey.builder().ipv4(VIP).protocol(6).port(80).mark(3).bytes();
        byte[] value = NftKey.builder().ipv4(BACKEND).port(8080).bytes();
        MessageBuilder m = NfTablesMessages.newSetElements(
                NfnetlinkH.NFPROTO_INET, "shoal", "backends4", List.of(SetElement.mapping(key, value)));

        assertThat(hex(m))
                .isEqualTo(
                        clean(
                                """
                        60000000 0c0a 0104 00000000 00000000   // len 96, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWSETELEM, REQUEST|CREATE
                        01 00 0000                             // nfgenmsg: NFPROTO_INET, v0, res_id 0
                        0a00 0100 73686f61 6c000000            // NFTA_SET_ELEM_LIST_TABLE "shoal"
                        0e00 0200 6261636b 656e6473 34000000   // NFTA_SET_ELEM_LIST_SET "backends4"
                        3000 0380                              // NFTA_SET_ELEM_LIST_ELEMENTS | NLA_F_NESTED, len 48
                        2c00 0180                              //   NFTA_LIST_ELEM
                        1800 0180                              //     NFTA_SET_ELEM_KEY
                        1400 0100 6440000a 06000000 00500000 03000000 // NFTA_DATA_VALUE: VIP, tcp+pad, 80 BE+pad, mark 3 host order
                        1000 0280                              //     NFTA_SET_ELEM_DATA
                        0c00 0100 c612000b 1f900000            //       NFTA_DATA_VALUE: 198.18.0.11, 8080 BE+pad
                        """));
    }

    @Test
    void verdictElementCarriesGotoAndChain() {
        byte[] key = NftKey.builder().ipv4(VIP).protocol(6).port(80).bytes();
        MessageBuilder m = NfTablesMessages.newSetElements(
                NfnetlinkH.NFPROTO_INET,
                "shoal",
                "services4",
                List.of(SetElement.verdict(key, NftVerdict.goTo("pick4_ng3"))));

        assertThat(hex(m))
                .isEqualTo(
                        clean(
                                """
                        6c000000 0c0a 0104 00000000 00000000   // len 108
                        01 00 0000
                        0a00 0100 73686f61 6c000000            // table "shoal"
                        0e00 0200 73657276 69636573 34000000   // set "services4"
                        3c00 0380                              // ELEMENTS, len 60
                        3800 0180                              //   LIST_ELEM
                        1400 0180                              //     KEY
                        1000 0100 6440000a 06000000 00500000   //       VALUE: VIP . tcp . 80
                        2000 0280                              //     DATA
                        1c00 0280                              //       NFTA_DATA_VERDICT
                        0800 0100 fffffffc                     //         NFTA_VERDICT_CODE: NFT_GOTO (-4) big-endian
                        0e00 0200 7069636b 345f6e67 33000000   //         NFTA_VERDICT_CHAIN "pick4_ng3"
                        """));
    }

    @Test
    void timeoutIsBigEndianMillisecondsBeforeTheKey() {
        byte[] key =
                NftKey.builder().ipv4(VIP).protocol(6).ipv4(BACKEND).port(8080).bytes();
        MessageBuilder m = NfTablesMessages.newSetElements(
                NfnetlinkH.NFPROTO_INET,
                "shoal",
                "leaving4",
                List.of(SetElement.key(key).withTimeoutMillis(60_000)));

        assertThat(hex(m))
                .isEqualTo(
                        clean(
                                """
                        5c000000 0c0a 0104 00000000 00000000   // len 92
                        01 00 0000
                        0a00 0100 73686f61 6c000000
                        0d00 0200 6c656176 696e6734 00000000   // set "leaving4" (13 bytes + 3 pad)
                        2c00 0380                              // ELEMENTS, len 44
                        2800 0180                              //   LIST_ELEM
                        0c00 0400 00000000 0000ea60            //     NFTA_SET_ELEM_TIMEOUT: 60,000 ms, be64
                        1800 0180                              //     KEY
                        1400 0100 6440000a 06000000 c612000b 1f900000
                        """));
    }

    @Test
    void deletionCarriesOnlyTheKey() {
        byte[] key = NftKey.builder().ipv4(VIP).protocol(6).port(80).mark(3).bytes();
        MessageBuilder m = NfTablesMessages.deleteSetElements(
                NfnetlinkH.NFPROTO_INET, "shoal", "backends4", List.of(SetElement.key(key)));

        assertThat(hex(m))
                .isEqualTo(
                        clean(
                                """
                        50000000 0e0a 0100 00000000 00000000   // len 80, NFT_MSG_DELSETELEM, REQUEST only
                        01 00 0000
                        0a00 0100 73686f61 6c000000
                        0e00 0200 6261636b 656e6473 34000000
                        2000 0380 1c00 0180 1800 0180
                        1400 0100 6440000a 06000000 00500000 03000000
                        """));
    }

    @Test
    void ipv6KeysTakeSixteenBytes() {
        byte[] key = NftKey.builder()
                .ipv6(address("fd00::10"))
                .protocol(17)
                .port(53)
                .mark(0x01020304)
                .bytes();
        assertThat(HexFormat.of().formatHex(key))
                .isEqualTo("fd000000000000000000000000000010" + "11000000" + "00350000" + "04030201");
    }

    @Test
    void getSetElementsNamesTableAndSet() {
        assertThat(hex(NfTablesMessages.getSetElements(NfnetlinkH.NFPROTO_INET, "shoal", "backends4")))
                .isEqualTo(
                        clean(
                                """
                        30000000 0d0a 0100 00000000 00000000   // len 48, NFT_MSG_GETSETELEM
                        01 00 0000
                        0a00 0100 73686f61 6c000000
                        0e00 0200 6261636b 656e6473 34000000
                        """));
    }

    @Test
    void dumpRepliesDecodeBackToElements() {
        byte[] key = NftKey.builder().ipv4(VIP).protocol(6).port(80).bytes();
        byte[] slotKey = NftKey.builder().ipv4(VIP).protocol(6).port(80).mark(1).bytes();
        byte[] value = NftKey.builder().ipv4(BACKEND).port(8080).bytes();
        List<SetElement> elements = List.of(
                SetElement.verdict(key, NftVerdict.goTo("pick4_ng3")),
                SetElement.mapping(slotKey, value),
                SetElement.key(key).withTimeoutMillis(1234));
        // A dump reply has the layout of NFT_MSG_NEWSETELEM: encode one and read it back.
        MessageBuilder m = NfTablesMessages.newSetElements(NfnetlinkH.NFPROTO_INET, "shoal", "x", elements);
        List<SetElement> decoded = new ArrayList<>();
        ByteBuffer b = m.finish();
        MessageParser.forEach(b, 0, b.remaining(), msg -> decoded.addAll(NfTablesMessages.decodeElements(msg)));
        assertThat(decoded).containsExactlyElementsOf(elements);
    }

    @Test
    void decodingAnotherMessageTypeIsMalformed() {
        ByteBuffer b = NfTablesMessages.batchBegin().finish();
        List<NetlinkMessage> seen = new ArrayList<>();
        MessageParser.forEach(b, 0, b.remaining(), seen::add);
        assertThatThrownBy(() -> NfTablesMessages.decodeElements(seen.get(0)))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("NFT_MSG_NEWSETELEM");
    }

    @Test
    void longElementListsAreSplitToFitOneAttribute() {
        byte[] value = NftKey.builder().ipv4(BACKEND).port(8080).bytes();
        List<SetElement> many = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            many.add(SetElement.mapping(
                    NftKey.builder().ipv4(VIP).protocol(6).port(80).mark(i).bytes(), value));
        }
        List<List<SetElement>> parts = NfTablesMessages.split(many);
        assertThat(parts).hasSizeGreaterThan(1);
        assertThat(parts.stream().mapToInt(List::size).sum()).isEqualTo(3000);
        for (List<SetElement> part : parts) {
            int size = part.stream().mapToInt(NfTablesMessages::encodedSize).sum();
            assertThat(size).isLessThanOrEqualTo(NfTablesMessages.MAX_ATTRIBUTE_PAYLOAD);
            // and the builder accepts each part, while the whole list is refused with a clear message
            NfTablesMessages.newSetElements(NfnetlinkH.NFPROTO_INET, "shoal", "backends4", part);
        }
        assertThatThrownBy(() -> NfTablesMessages.newSetElements(NfnetlinkH.NFPROTO_INET, "shoal", "backends4", many))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("split them");
        List<Request> requests = NfTables.requests(List.of(SetElementChange.add("shoal", "backends4", many)));
        assertThat(requests).hasSize(parts.size());
        assertThat(requests.get(0).what())
                .startsWith("add " + parts.get(0).size() + " elements to inet shoal backends4 { ");
    }

    @Test
    void encodedSizeMatchesTheBytesWritten() {
        byte[] key = NftKey.builder().ipv4(VIP).protocol(6).port(80).bytes();
        for (SetElement e : List.of(
                SetElement.key(key),
                SetElement.key(key).withTimeoutMillis(5),
                SetElement.mapping(key, new byte[] {1, 2, 3, 4, 5, 6}),
                SetElement.verdict(key, NftVerdict.goTo("a_chain_of_odd_length")),
                SetElement.verdict(key, new NftVerdict(NfTablesH.NF_ACCEPT, null)))) {
            int message = NfTablesMessages.newSetElements(NfnetlinkH.NFPROTO_INET, "t", "s", List.of(e))
                    .finish()
                    .remaining();
            int empty = 16 + 4 + 8 + 8 + 4; // header, nfgenmsg, "t", "s", ELEMENTS header
            assertThat(message - empty).as("%s", e).isEqualTo(NfTablesMessages.encodedSize(e));
        }
    }

    @Test
    void badArgumentsAreRefusedNamingTheField() {
        byte[] key = NftKey.builder().ipv4(VIP).bytes();
        assertThatThrownBy(() ->
                        NfTablesMessages.newSetElements(NfnetlinkH.NFPROTO_INET, "", "s", List.of(SetElement.key(key))))
                .hasMessage("table name must not be empty");
        assertThatThrownBy(() -> NfTablesMessages.newSetElements(
                        NfnetlinkH.NFPROTO_INET, "t", "x".repeat(256), List.of(SetElement.key(key))))
                .hasMessageContaining("set name must be shorter than 256 bytes");
        assertThatThrownBy(() -> NfTablesMessages.newSetElements(NfnetlinkH.NFPROTO_INET, "t", "s", List.of()))
                .hasMessageContaining("no elements");
        assertThatThrownBy(() -> NftKey.builder().ipv4(address("fd00::1")))
                .hasMessageContaining("ipv4_addr field needs an IPv4 address");
        assertThatThrownBy(() -> NftKey.builder().port(70000)).hasMessageContaining("inet_service must be 0..65535");
        assertThatThrownBy(() -> NftVerdict.goTo("")).hasMessage("chain name must not be empty");
        assertThatThrownBy(() -> new NftVerdict(NfTablesH.NF_ACCEPT, "c")).hasMessageContaining("takes no chain");
        assertThatThrownBy(() -> SetElement.key(key).withTimeoutMillis(-1))
                .hasMessageContaining("timeout must be >= 0");
        assertThatThrownBy(() -> SetElementChange.delete("t", "s", List.of()))
                .hasMessageContaining("no elements to delete");
        assertThatThrownBy(() -> NfTables.requests(Collections.nCopies(1, null)))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void typeNamesForErrors() {
        assertThat(NfTablesMessages.typeName(0x10)).isEqualTo("NFNL_MSG_BATCH_BEGIN");
        assertThat(NfTablesMessages.typeName(0x0a0c)).isEqualTo("NFT_MSG_NEWSETELEM");
        assertThat(NfTablesMessages.typeName(0x0a0e)).isEqualTo("NFT_MSG_DELSETELEM");
        assertThat(NfTablesMessages.typeName(0x0102)).isEqualTo("nfnetlink subsystem 1 message 2");
        assertThat(NetlinkSocket.MAX_TRANSACTION_MESSAGES).isPositive();
    }

    private static String hex(MessageBuilder m) {
        ByteBuffer b = m.finish();
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** Hex without spaces and without {@code //} comments. */
    private static String clean(String annotated) {
        StringBuilder sb = new StringBuilder();
        for (String line : annotated.split("\n")) {
            int comment = line.indexOf("//");
            sb.append((comment >= 0 ? line.substring(0, comment) : line).replaceAll("\\s+", ""));
        }
        return sb.toString();
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
