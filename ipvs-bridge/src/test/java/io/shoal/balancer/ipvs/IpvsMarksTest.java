package io.shoal.balancer.ipvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shoal.balancer.ipvs.IpvsMarks.Target;
import io.shoal.balancer.spec.IpLiterals;
import io.shoal.balancer.spec.Protocol;
import io.shoal.balancer.spec.VirtualService;
import io.shoal.netlink.nftables.NfTables;
import io.shoal.netlink.nftables.SetElement;
import io.shoal.netlink.nftables.SetElementChange;
import io.shoal.netlink.socket.Request;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IpvsMarksTest {
    private static Target tcp(String vip) {
        return new Target(IpLiterals.parse(vip, "vip"), Protocol.TCP);
    }

    private static Target udp(String vip) {
        return new Target(IpLiterals.parse(vip, "vip"), Protocol.UDP);
    }

    @Test
    void marksAreDeterministicInTheirRangeAndDistinct() {
        List<Target> targets = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            targets.add(tcp("100.64." + (i / 250) + "." + (i % 250 + 1)));
            targets.add(udp("100.64." + (i / 250) + "." + (i % 250 + 1)));
        }
        targets.add(tcp("2001:db8::12"));

        Map<Target, Integer> a = IpvsMarks.assign(targets, Map.of());
        List<Target> reversed = new ArrayList<>(targets);
        java.util.Collections.reverse(reversed);
        Map<Target, Integer> b = IpvsMarks.assign(reversed, Map.of());

        assertThat(a).hasSize(targets.size()).isEqualTo(b);
        assertThat(new HashSet<>(a.values())).hasSize(targets.size());
        assertThat(a.values()).allMatch(IpvsMarks::inRange);
        // Clear of Shoal's other marks: transparent routing's 0x5e and the nftables slots 0..1023.
        assertThat(IpvsMarks.inRange(0x5e)).isFalse();
        assertThat(IpvsMarks.inRange(1023)).isFalse();
        assertThat(IpvsMarks.inRange(0x53480000)).isTrue();
        assertThat(IpvsMarks.inRange(0x5348ffff)).isTrue();
        assertThat(IpvsMarks.inRange(0x53490000)).isFalse();
        // TCP and UDP on one VIP get different marks; most keys get the mark they hash to.
        assertThat(a.get(tcp("100.64.0.1"))).isNotEqualTo(a.get(udp("100.64.0.1")));
        long atPreferred = a.entrySet().stream()
                .filter(e -> e.getValue() == IpvsMarks.preferred(e.getKey()))
                .count();
        assertThat(atPreferred).isGreaterThan(targets.size() * 9L / 10);
    }

    @Test
    void existingMarksAreKeptAndCollisionsTakeTheNextFreeMark() {
        Target a = tcp("100.64.0.10");
        Target b = tcp("100.64.0.11");
        Target c = tcp("100.64.0.12");
        int pa = IpvsMarks.preferred(a);
        // b already holds a's preferred mark (as an earlier assignment could have left it).
        Map<Target, Integer> existing = Map.of(b, pa, c, 0x5e);

        Map<Target, Integer> m = IpvsMarks.assign(List.of(a, b, c), existing);

        assertThat(m.get(b)).isEqualTo(pa); // kept
        assertThat(m.get(a)).isEqualTo(pa + 1 == IpvsMarks.FIRST + IpvsMarks.COUNT ? IpvsMarks.FIRST : pa + 1);
        assertThat(m.get(c)).isNotEqualTo(0x5e).matches(IpvsMarks::inRange); // out of range: reassigned
        // Adding a VIP never moves another's mark.
        Target d = tcp("100.64.0.13");
        Map<Target, Integer> more = IpvsMarks.assign(List.of(a, b, c, d), m);
        assertThat(more).containsAllEntriesOf(m).containsKey(d);
        // Two keys claiming one existing mark: the first in address order keeps it.
        Map<Target, Integer> clash = IpvsMarks.assign(List.of(a, b), Map.of(a, 0x53480005, b, 0x53480005));
        assertThat(clash.get(a)).isEqualTo(0x53480005);
        assertThat(clash.get(b)).isNotEqualTo(0x53480005);
    }

    @Test
    void moreVipsThanMarksIsAClearError() {
        Set<Target> many = new HashSet<>();
        for (int i = 0; i <= IpvsMarks.COUNT; i++) {
            many.add(tcp("100." + (64 + (i >> 16)) + "." + ((i >> 8) & 0xff) + "." + (i & 0xff)));
        }
        assertThatThrownBy(() -> IpvsMarks.assign(many, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("65537 all-ports VIPs need a mark each, more than the 65536 marks");
    }

    @Test
    void onlyAllPortsServicesGetTargets() {
        VirtualService any = VirtualService.builder("any")
                .vip("100.64.0.12")
                .protocol(Protocol.UDP)
                .allPorts()
                .build();
        VirtualService web =
                VirtualService.builder("web").vip("100.64.0.10").port(80).build();

        assertThat(IpvsMarks.targets(List.of(any, web))).containsExactly(udp("100.64.0.12"));
        assertThatThrownBy(() -> Target.of(web)).hasMessageContaining("web is not an all-ports service");
    }

    @Test
    void elementsEncodeAsTheMapTypesAndDecodeBack() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "expected bytes are written for little-endian");
        SetElement e = IpvsMarks.element(tcp("100.64.0.12"), 0x53480a0b);

        // ipv4_addr (network order) . inet_proto (one byte, padded to 4) : mark (host order)
        assertThat(HexFormat.of().formatHex(e.keyBytes())).isEqualTo("6440000c" + "06000000");
        assertThat(HexFormat.of().formatHex(e.valueBytes())).isEqualTo("0b0a4853");
        SetElement e6 = IpvsMarks.element(udp("2001:db8::12"), 0x53480001);
        assertThat(HexFormat.of().formatHex(e6.keyBytes())).isEqualTo("20010db8000000000000000000000012" + "11000000");

        assertThat(IpvsMarks.decode(IpvsMarks.MAP4, List.of(e)))
                .containsExactly(Map.entry(tcp("100.64.0.12"), 0x53480a0b));
        assertThat(IpvsMarks.decode(IpvsMarks.MAP6, List.of(e6)))
                .containsExactly(Map.entry(udp("2001:db8::12"), 0x53480001));
        assertThatThrownBy(() -> IpvsMarks.decode(IpvsMarks.MAP6, List.of(e)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not ipv6_addr . inet_proto : mark");
    }

    @Test
    void changesMoveTheMapsAndNothingForAnEqualSet() {
        Target a = tcp("100.64.0.10");
        Target b = udp("100.64.0.11");
        Target c = tcp("2001:db8::12");
        Map<Target, Integer> from = new LinkedHashMap<>();
        from.put(a, 0x53480001);
        from.put(b, 0x53480002);
        Map<Target, Integer> to = new LinkedHashMap<>();
        to.put(a, 0x53480003); // changed mark
        to.put(c, 0x53480004); // new, IPv6

        List<SetElementChange> steps = IpvsMarks.changes(from, to);

        assertThat(steps)
                .extracting(SetElementChange::describe)
                .containsExactly(
                        "delete 2 elements from inet shoal-ipvs vips4",
                        "add 1 element to inet shoal-ipvs vips4",
                        "add 1 element to inet shoal-ipvs vips6");
        assertThat(steps.get(0).elements())
                .containsExactly(IpvsMarks.element(a, 0x53480001), IpvsMarks.element(b, 0x53480002));
        assertThat(steps.get(1).elements()).containsExactly(IpvsMarks.element(a, 0x53480003));
        assertThat(IpvsMarks.changes(to, new LinkedHashMap<>(to))).isEmpty();
        // One transaction: the three steps as three NEWSETELEM/DELSETELEM messages on the wire.
        List<Request> requests = NfTables.requests(steps);
        assertThat(requests).hasSize(3);
    }

    @Test
    void tableMarksBothHooksAtManglePriorityAndRefillsItsChains() {
        assertThat(IpvsMarks.tableScript())
                .isEqualTo(
                        """
                        table inet shoal-ipvs {
                        \tmap vips4 { type ipv4_addr . inet_proto : mark; }
                        \tmap vips6 { type ipv6_addr . inet_proto : mark; }
                        \tchain prerouting { type filter hook prerouting priority mangle; policy accept; }
                        \tchain output { type filter hook output priority mangle; policy accept; }
                        }
                        flush chain inet shoal-ipvs prerouting
                        add rule inet shoal-ipvs prerouting meta mark set ip daddr . meta l4proto map @vips4
                        add rule inet shoal-ipvs prerouting meta mark set ip6 daddr . meta l4proto map @vips6
                        flush chain inet shoal-ipvs output
                        add rule inet shoal-ipvs output meta mark set ip daddr . meta l4proto map @vips4
                        add rule inet shoal-ipvs output meta mark set ip6 daddr . meta l4proto map @vips6
                        """);
    }
}
