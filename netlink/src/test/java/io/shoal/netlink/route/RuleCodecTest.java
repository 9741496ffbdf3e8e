package io.shoal.netlink.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.netlink.codec.FibRuleHdr;
import io.shoal.netlink.codec.MessageBuilder;
import io.shoal.netlink.codec.MessageParser;
import io.shoal.netlink.codec.NetlinkMessage;
import io.shoal.netlink.uapi.FibRulesH;
import io.shoal.netlink.uapi.NetlinkH;
import io.shoal.netlink.uapi.RtnetlinkH;
import io.shoal.netlink.uapi.SocketH;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Policy routing rules and local routes on the wire: {@code fib_rule_hdr} and the {@code FRA_*}
 * attributes byte for byte as {@code <linux/fib_rules.h>} lays them out, decoding of dumped rules,
 * and the constants against the header itself.
 */
class RuleCodecTest {
    private static final Path FIB_RULES_H = Path.of("/usr/include/linux/fib_rules.h");

    private static String hex(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static String clean(String s) {
        return s.replaceAll("\\s+", "");
    }

    private static NetlinkMessage parse(MessageBuilder b) {
        ByteBuffer message = b.finish();
        byte[] bytes = new byte[message.remaining()];
        message.get(bytes);
        return MessageParser.parse(bytes).get(0);
    }

    @Test
    void fibRuleHdrHasTheUapiLayout() {
        var b = new MessageBuilder().begin(RtnetlinkH.RTM_NEWRULE, 0);
        // family, dst_len, src_len, tos, table, res1, res2, action; flags u32
        new FibRuleHdr(SocketH.AF_INET, 24, 16, 0x10, 94, FibRulesH.FR_ACT_TO_TBL, FibRulesH.FIB_RULE_INVERT).encode(b);
        assertThat(hex(b.finish()).substring(32)).isEqualTo(clean("02 18 10 10 5e 00 00 01 02000000"));
        assertThat(FibRuleHdr.SIZE).isEqualTo(12);
    }

    @Test
    void addRuleRequestIsWhatIpRuleSends() {
        MessageBuilder b = Rules.request(
                RtnetlinkH.RTM_NEWRULE,
                NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_EXCL,
                Rule.fwmark(9400, 0x5e, 94).withProtocol(RtnetlinkH.RTPROT_STATIC));
        String all = hex(b.finish());
        // nlmsghdr: length 68, type RTM_NEWRULE (32), flags REQUEST|EXCL|CREATE (the socket adds ACK)
        assertThat(all.substring(0, 16)).isEqualTo(clean("44000000 2000 0106"));
        assertThat(all.substring(32))
                .isEqualTo(clean(
                        "02 00 00 00 5e 00 00 01 00000000" // fib_rule_hdr: AF_INET, table 94, FR_ACT_TO_TBL
                                + "0800 0600 b8240000" // FRA_PRIORITY 9400
                                + "0800 0a00 5e000000" // FRA_FWMARK 0x5e
                                + "0800 1000 ffffffff" // FRA_FWMASK
                                + "0800 0f00 5e000000" // FRA_TABLE 94
                                + "0500 1500 04 000000")); // FRA_PROTOCOL static, padded
    }

    @Test
    void tableAbove255GoesOnlyInFraTable() {
        MessageBuilder b = Rules.request(RtnetlinkH.RTM_DELRULE, 0, Rule.fwmark(100, 1, 1000));
        String all = hex(b.finish());
        assertThat(all.substring(32, 56)).isEqualTo(clean("02 00 00 00 00 00 00 01 00000000"));
        assertThat(all).endsWith(clean("0800 0f00 e8030000"));
    }

    @Test
    void dumpedRulesDecodeAndTheKernelsOwnOrForeignSelectorsAreLeftOut() throws Exception {
        var ours = new MessageBuilder().begin(RtnetlinkH.RTM_NEWRULE, 0);
        new FibRuleHdr(SocketH.AF_INET, 0, 0, 0, 94, FibRulesH.FR_ACT_TO_TBL, 0).encode(ours);
        ours.putU32(FibRulesH.FRA_TABLE, 94);
        ours.putU32(FibRulesH.FRA_PRIORITY, 9400);
        ours.putU32(FibRulesH.FRA_FWMARK, 0x5e);
        ours.putU32(FibRulesH.FRA_FWMASK, 0xffffffff);
        ours.putU8(FibRulesH.FRA_PROTOCOL, 0);
        assertThat(Rules.decode(parse(ours))).contains(Rule.fwmark(9400, 0x5e, 94));

        var main = new MessageBuilder().begin(RtnetlinkH.RTM_NEWRULE, 0);
        new FibRuleHdr(SocketH.AF_INET, 0, 0, 0, 254, FibRulesH.FR_ACT_TO_TBL, 0).encode(main);
        main.putU32(FibRulesH.FRA_TABLE, 254);
        main.putU32(FibRulesH.FRA_PRIORITY, 32766);
        assertThat(Rules.decode(parse(main))).as("the kernel's main rule").isEmpty();

        var bySource = new MessageBuilder().begin(RtnetlinkH.RTM_NEWRULE, 0);
        new FibRuleHdr(SocketH.AF_INET, 0, 24, 0, 94, FibRulesH.FR_ACT_TO_TBL, 0).encode(bySource);
        bySource.putAddress(FibRulesH.FRA_SRC, InetAddress.getByName("198.18.1.0"));
        bySource.putU32(FibRulesH.FRA_PRIORITY, 100);
        assertThat(Rules.decode(parse(bySource)))
                .as("a source selector Rule cannot say")
                .isEmpty();

        var everyPacket = new MessageBuilder().begin(RtnetlinkH.RTM_NEWRULE, 0);
        new FibRuleHdr(SocketH.AF_INET, 0, 0, 0, 0, FibRulesH.FR_ACT_TO_TBL, 0).encode(everyPacket);
        everyPacket.putU32(FibRulesH.FRA_TABLE, 1000);
        everyPacket.putU32(FibRulesH.FRA_PRIORITY, 200);
        assertThat(Rules.decode(parse(everyPacket)))
                .contains(new Rule(SocketH.AF_INET, 200, 0, 0, 1000, Optional.empty()));
    }

    @Test
    void badRulesAreRefusedNamingTheField() {
        assertThatThrownBy(() -> Rule.fwmark(0, 0x5e, 94)).hasMessage("priority must be in [1, 32765], was 0");
        assertThatThrownBy(() -> Rule.fwmark(100, 0, 94)).hasMessageStartingWith("fwmark must not be 0");
        assertThatThrownBy(() -> Rule.fwmark(100, 0x5e, 0)).hasMessage("table must be in [1, 4294967294], was 0");
        assertThatThrownBy(() -> new Rule(SocketH.AF_INET, 100, 1, 0, 94, Optional.empty()))
                .hasMessageStartingWith("fwmask must not be 0");
        assertThatThrownBy(() -> new Rule(7, 100, 1, 1, 94, Optional.empty())).hasMessageStartingWith("family must be");
        assertThatThrownBy(() -> Rule.fwmark(100, 1, 94).withProtocol(256))
                .hasMessage("protocol must be a u8, was 256");
    }

    @Test
    void localRouteRequestIsWhatIpRouteAddLocalSends() throws Exception {
        Route local = Route.local(InetAddress.getByName("0.0.0.0"), 0, 1, 94);
        MessageBuilder b = Routes.request(RtnetlinkH.RTM_NEWROUTE, 0, local);
        String all = hex(b.finish());
        // rtmsg: AF_INET, dst_len 0, src_len 0, tos 0, table 94, proto boot, scope host, RTN_LOCAL; flags 0
        assertThat(all.substring(32))
                .isEqualTo(clean("02 00 00 00 5e 03 fe 02 00000000"
                        + "0800 0400 01000000" // RTA_OIF 1 (lo)
                        + "0800 0f00 5e000000")); // RTA_TABLE 94
        String del = hex(Routes.request(RtnetlinkH.RTM_DELROUTE, 0, local).finish());
        assertThat(del.substring(32, 56))
                .as("delete: any scope, local type")
                .isEqualTo(clean("02 00 00 00 5e 00 ff 02 00000000"));
        assertThatThrownBy(() -> Route.local(InetAddress.getByName("0.0.0.0"), 0, 0, 94))
                .hasMessageContaining("needs a gateway or an output link");
        assertThatThrownBy(() -> new Route(
                        InetAddress.getByName("0.0.0.0"),
                        0,
                        Optional.of(InetAddress.getByName("198.18.0.1")),
                        1,
                        94,
                        false,
                        RtnetlinkH.RTN_LOCAL))
                .hasMessage("a local route has no gateway and needs an output link (lo)");
    }

    @Test
    void localRouteDecodesWithItsTable() throws Exception {
        var b = new MessageBuilder().begin(RtnetlinkH.RTM_NEWROUTE, 0);
        new io.shoal.netlink.codec.RtMsg(SocketH.AF_INET, 0, 0, 0, 94, 3, 254, RtnetlinkH.RTN_LOCAL, 0).encode(b);
        b.putU32(RtnetlinkH.RTA_TABLE, 94);
        b.putU32(RtnetlinkH.RTA_OIF, 1);
        assertThat(Routes.decode(parse(b))).contains(Route.local(InetAddress.getByName("0.0.0.0"), 0, 1, 94));
    }

    /** The FRA_* and FR_ACT_* values and the message types against the installed uapi headers. */
    @Test
    void constantsMatchTheKernelHeaders() throws IOException {
        assertThat(Files.isReadable(FIB_RULES_H))
                .as("%s (Debian's linux-libc-dev) is where these constants come from", FIB_RULES_H)
                .isTrue();
        String h = Files.readString(FIB_RULES_H);
        List<String> fra = enumNames(h, "FRA_UNSPEC");
        assertThat(fra.indexOf("FRA_DST")).isEqualTo(FibRulesH.FRA_DST);
        assertThat(fra.indexOf("FRA_SRC")).isEqualTo(FibRulesH.FRA_SRC);
        assertThat(fra.indexOf("FRA_IIFNAME")).isEqualTo(FibRulesH.FRA_IIFNAME);
        assertThat(fra.indexOf("FRA_GOTO")).isEqualTo(FibRulesH.FRA_GOTO);
        assertThat(fra.indexOf("FRA_PRIORITY")).isEqualTo(FibRulesH.FRA_PRIORITY);
        assertThat(fra.indexOf("FRA_FWMARK")).isEqualTo(FibRulesH.FRA_FWMARK);
        assertThat(fra.indexOf("FRA_FLOW")).isEqualTo(FibRulesH.FRA_FLOW);
        assertThat(fra.indexOf("FRA_SUPPRESS_PREFIXLEN")).isEqualTo(FibRulesH.FRA_SUPPRESS_PREFIXLEN);
        assertThat(fra.indexOf("FRA_TABLE")).isEqualTo(FibRulesH.FRA_TABLE);
        assertThat(fra.indexOf("FRA_FWMASK")).isEqualTo(FibRulesH.FRA_FWMASK);
        assertThat(fra.indexOf("FRA_OIFNAME")).isEqualTo(FibRulesH.FRA_OIFNAME);
        assertThat(fra.indexOf("FRA_PROTOCOL")).isEqualTo(FibRulesH.FRA_PROTOCOL);
        List<String> act = enumNames(h, "FR_ACT_UNSPEC");
        assertThat(act.indexOf("FR_ACT_TO_TBL")).isEqualTo(FibRulesH.FR_ACT_TO_TBL);
        assertThat(act.indexOf("FR_ACT_GOTO")).isEqualTo(FibRulesH.FR_ACT_GOTO);
        assertThat(act.indexOf("FR_ACT_NOP")).isEqualTo(FibRulesH.FR_ACT_NOP);
        assertThat(act.indexOf("FR_ACT_BLACKHOLE")).isEqualTo(FibRulesH.FR_ACT_BLACKHOLE);
        assertThat(act.indexOf("FR_ACT_UNREACHABLE")).isEqualTo(FibRulesH.FR_ACT_UNREACHABLE);
        assertThat(act.indexOf("FR_ACT_PROHIBIT")).isEqualTo(FibRulesH.FR_ACT_PROHIBIT);
        assertThat(h)
                .contains("#define FIB_RULE_PERMANENT\t0x00000001")
                .contains("#define FIB_RULE_INVERT\t\t0x00000002");
        // struct fib_rule_hdr: 8 u8 fields then a u32.
        Matcher struct = Pattern.compile("struct fib_rule_hdr \\{(.*?)\\};", Pattern.DOTALL)
                .matcher(h);
        assertThat(struct.find()).isTrue();
        assertThat(struct.group(1).split("__u8", -1)).hasSize(9);
        assertThat(struct.group(1).split("__u32", -1)).hasSize(2);
        // RTM_NEWRULE and friends: RTM_BASE 16, four per family of messages; rules are the fifth.
        String rt = Files.readString(Path.of("/usr/include/linux/rtnetlink.h"));
        List<String> rtm = new ArrayList<>();
        Matcher m = Pattern.compile("\\b(RTM_(NEW|DEL|GET)RULE)\\b").matcher(rt);
        while (m.find()) {
            rtm.add(m.group(1));
        }
        assertThat(rtm).contains("RTM_NEWRULE", "RTM_DELRULE", "RTM_GETRULE");
        assertThat(rt).containsPattern("RTM_NEWRULE\\s*=\\s*32");
        assertThat(RtnetlinkH.RTM_NEWRULE).isEqualTo(32);
        assertThat(RtnetlinkH.RTM_DELRULE).isEqualTo(33);
        assertThat(RtnetlinkH.RTM_GETRULE).isEqualTo(34);
    }

    /** The names of the anonymous enum that starts with {@code first}, in order (defines skipped). */
    private static List<String> enumNames(String header, String first) {
        int start = header.indexOf(first);
        int end = header.indexOf("};", start);
        List<String> out = new ArrayList<>();
        for (String line : header.substring(start, end).split("\n")) {
            String t = line.strip();
            if (t.startsWith("#") || t.isEmpty()) {
                continue;
            }
            Matcher m = Pattern.compile("^([A-Z_0-9]+)\\s*,").matcher(t);
            if (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }
}
