package io.shoal.balancer.nftables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.balancer.spec.Algorithm;
import io.shoal.balancer.spec.Backend;
import io.shoal.balancer.spec.BalancerOptions;
import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.Protocol;
import io.shoal.balancer.spec.VirtualService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NftRendererTest {
    private static final String SVC = "svc_tcp_6440000a_80";
    private static final String EP1 = SVC + "_ep_c612000b_8080";
    private static final String EP2 = SVC + "_ep_c612000c_8080";
    private static final String EP3 = SVC + "_ep_c612000d_8080";
    private static final String PICK3 = "pick4_ng3_ct4_tcp_86400";

    private final NftRenderer renderer = new NftRenderer(BalancerOptions.defaults(), true);

    private static VirtualService.Builder web() {
        return VirtualService.builder("web")
                .vip("100.64.0.10")
                .port(80)
                .backend("198.18.0.11", 8080)
                .backend("198.18.0.12", 8080)
                .backend("198.18.0.13", 8080);
    }

    /** The elements that {@code add element} commands put into {@code map}, in order. */
    private static List<String> slots(String script, String map) {
        List<String> out = new ArrayList<>();
        String prefix = "add element inet shoal " + map + " { ";
        script.lines().filter(l -> l.startsWith(prefix)).forEach(l -> {
            for (String e : l.substring(prefix.length(), l.length() - 2).split(", ")) {
                out.add(e);
            }
        });
        return out;
    }

    private String serviceRule(String script, String pattern) {
        return script.lines()
                .filter(l -> l.startsWith("add rule inet shoal " + SVC + " ") && l.contains(pattern))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no rule with '" + pattern + "' in:\n" + script));
    }

    @Test
    void fullApplyReplacesTheTableAndBuildsTheHooks() {
        String script = renderer.full(DesiredState.of(web().build()));
        assertThat(script)
                .startsWith("add table inet shoal\ndelete table inet shoal\nadd table inet shoal\n")
                .contains("add chain inet shoal nat_output { type nat hook output priority -100; policy accept; }")
                .contains(
                        "add chain inet shoal nat_prerouting { type nat hook prerouting priority -100; policy accept; }")
                .contains("add rule inet shoal services ip daddr . meta l4proto . th dport vmap @services4")
                .contains("add element inet shoal services4 { 100.64.0.10 . tcp . 80 : goto " + PICK3 + " }");
    }

    @Test
    void roundRobinFillsOneSlotPerActiveBackendBehindASharedNumgenChain() {
        String script = renderer.full(DesiredState.of(web().build()));
        assertThat(script)
                .contains("add element inet shoal services4 { 100.64.0.10 . tcp . 80 : goto " + PICK3 + " }")
                .contains("add rule inet shoal " + PICK3 + " meta mark set numgen inc mod 3")
                .contains("add rule inet shoal " + PICK3 + " meta l4proto { tcp, udp } dnat ip to ip daddr . meta"
                        + " l4proto . th dport . meta mark map @backends4");
        assertThat(slots(script, "backends4"))
                .containsExactly(
                        "100.64.0.10 . tcp . 80 . 0 : 198.18.0.11 . 8080",
                        "100.64.0.10 . tcp . 80 . 1 : 198.18.0.12 . 8080",
                        "100.64.0.10 . tcp . 80 . 2 : 198.18.0.13 . 8080");
        // No chain of its own: a service is elements only.
        assertThat(script).doesNotContain(SVC);
    }

    @Test
    void servicesThatPickAlikeShareOneChain() {
        VirtualService other = VirtualService.builder("other")
                .vip("100.64.0.11")
                .port(80)
                .backend("198.18.0.21", 8080)
                .backend("198.18.0.22", 8080)
                .backend("198.18.0.23", 8080)
                .build();
        String script = renderer.full(DesiredState.of(web().build(), other));
        assertThat(script.lines().filter(l -> l.equals("add chain inet shoal " + PICK3)))
                .hasSize(1);
        assertThat(slots(script, "backends4")).hasSize(6);
    }

    @Test
    void roundRobinIgnoresWeightsButWeightZeroQuiesces() {
        VirtualService s = web().backends(List.of(
                        Backend.of("198.18.0.11", 8080).withWeight(5),
                        Backend.of("198.18.0.12", 8080).withWeight(1),
                        Backend.of("198.18.0.13", 8080).withWeight(0)))
                .build();
        String script = renderer.full(DesiredState.of(s));
        assertThat(script).contains("numgen inc mod 2").doesNotContain("198.18.0.13");
        assertThat(slots(script, "backends4"))
                .containsExactly(
                        "100.64.0.10 . tcp . 80 . 0 : 198.18.0.11 . 8080",
                        "100.64.0.10 . tcp . 80 . 1 : 198.18.0.12 . 8080");
    }

    @Test
    void weightsExpandIntoSlotsReducedByTheirCommonDivisor() {
        VirtualService s = web().algorithm(Algorithm.WEIGHTED)
                .backends(List.of(
                        Backend.of("198.18.0.11", 8080).withWeight(2),
                        Backend.of("198.18.0.12", 8080).withWeight(4),
                        Backend.of("198.18.0.13", 8080).withWeight(6)))
                .build();
        String script = renderer.full(DesiredState.of(s));
        assertThat(script).contains("meta mark set numgen inc mod 6");
        assertThat(slots(script, "backends4"))
                .extracting(e -> e.substring(e.indexOf(" : ") + 3))
                .containsExactly(
                        "198.18.0.11 . 8080",
                        "198.18.0.12 . 8080",
                        "198.18.0.12 . 8080",
                        "198.18.0.13 . 8080",
                        "198.18.0.13 . 8080",
                        "198.18.0.13 . 8080");
    }

    @Test
    void weightRatiosBeyondTheSlotLimitGetAChainWithRanges() {
        VirtualService s = web().algorithm(Algorithm.WEIGHTED)
                .backends(List.of(
                        Backend.of("198.18.0.11", 8080).withWeight(1),
                        Backend.of("198.18.0.12", 8080).withWeight(NftSlots.MAX_SLOTS)))
                .build();
        assertThat(serviceRule(renderer.full(DesiredState.of(s)), "numgen"))
                .contains("numgen inc mod " + (NftSlots.MAX_SLOTS + 1) + " vmap { 0 : goto " + EP1 + ", 1-"
                        + NftSlots.MAX_SLOTS + " : goto " + EP2 + " }");
    }

    @Test
    void drainingBackendGetsNoSlotAndNoNewConnections() {
        VirtualService s = web().backends(List.of(
                        Backend.of("198.18.0.11", 8080),
                        Backend.of("198.18.0.12", 8080).asDraining(),
                        Backend.of("198.18.0.13", 8080)))
                .build();
        String script = renderer.full(DesiredState.of(s));
        assertThat(script).doesNotContain("198.18.0.12").contains("numgen inc mod 2");
    }

    @Test
    void serviceWithoutActiveBackendJumpsToTheRefusingChain() {
        VirtualService s = web().backends(
                        List.of(Backend.of("198.18.0.11", 8080).asDraining()))
                .build();
        assertThat(renderer.full(DesiredState.of(s)))
                .contains("add rule inet shoal refuse reject")
                .contains("add element inet shoal services4 { 100.64.0.10 . tcp . 80 : goto refuse }");
    }

    @Test
    void sourceAffinityChecksPerBackendSetsFirstAndUpdatesThemOnDnat() {
        VirtualService s = web().sourceAffinity(Duration.ofSeconds(600)).build();
        String script = renderer.full(DesiredState.of(s));
        String set1 = EP1 + "_aff600";
        assertThat(script)
                .contains("add set inet shoal " + set1 + " { type ipv4_addr; flags dynamic,timeout; timeout 600s; }")
                .contains("add rule inet shoal " + EP1 + " update @" + set1 + " { ip saddr }")
                .contains("add rule inet shoal " + SVC + " ip saddr @" + set1 + " goto " + EP1)
                .contains("add rule inet shoal " + EP1 + " meta l4proto tcp dnat ip to 198.18.0.11:8080")
                .contains("add element inet shoal services4 { 100.64.0.10 . tcp . 80 : goto " + SVC + " }");
        // The affinity checks come before the pick for a new client.
        assertThat(script.indexOf("ip saddr @" + set1 + " goto")).isLessThan(script.indexOf("numgen inc mod 3"));
    }

    @Test
    void consistentHashUsesAFixedSeedJhashOverTheMaglevTable() {
        VirtualService s = web().algorithm(Algorithm.CONSISTENT_HASH).build();
        String script = renderer.full(DesiredState.of(s));
        String pick = "pick4_jh251_ct4_tcp_86400";
        assertThat(script)
                .contains("add rule inet shoal " + pick + " meta mark set jhash ip saddr . th sport mod 251 seed "
                        + NftRenderer.HASH_SEED);
        // Every slot 0..250 appears exactly once, each backend owns 83 or 84 of them.
        List<String> slots = slots(script, "backends4");
        assertThat(slots).hasSize(251);
        for (int i = 0; i < 251; i++) {
            assertThat(slots.get(i)).startsWith("100.64.0.10 . tcp . 80 . " + i + " : ");
        }
        for (String backend : List.of("198.18.0.11 . 8080", "198.18.0.12 . 8080", "198.18.0.13 . 8080")) {
            assertThat(slots.stream().filter(e -> e.endsWith(" : " + backend)).count())
                    .isBetween(83L, 84L);
        }
    }

    @Test
    void consistentHashNeedsMoreSlotsThanBackends() {
        NftRenderer small = new NftRenderer(BalancerOptions.defaults().withConsistentHashTableSize(7), true);
        VirtualService.Builder b =
                VirtualService.builder("big").vip("100.64.0.10").port(80).algorithm(Algorithm.CONSISTENT_HASH);
        for (int i = 1; i <= 7; i++) {
            b.backend("198.18.0." + i, 80);
        }
        assertThatThrownBy(() -> small.full(DesiredState.of(b.build())))
                .hasMessageContaining("service big has 7 active backends; consistentHashTableSize 7 must be larger");
    }

    @Test
    void allPortsServiceKeepsTheClientsPort() {
        VirtualService s = VirtualService.builder("any")
                .vip("100.64.0.10")
                .allPorts()
                .backend("198.18.0.11", 0)
                .build();
        String script = renderer.full(DesiredState.of(s));
        assertThat(script)
                .contains("add element inet shoal services4any { 100.64.0.10 . tcp : goto pick4any_ng1_ct4_tcp_86400 }")
                .contains("add rule inet shoal pick4any_ng1_ct4_tcp_86400 dnat ip to ip daddr . meta l4proto . meta"
                        + " mark map @backends4any");
        assertThat(slots(script, "backends4any")).containsExactly("100.64.0.10 . tcp . 0 : 198.18.0.11");
    }

    @Test
    void ipv6ServiceUsesIp6Maps() {
        VirtualService s = VirtualService.builder("v6")
                .vip("2001:db8::10")
                .protocol(Protocol.UDP)
                .port(53)
                .backend("2001:db8::11", 5353)
                .build();
        String script = renderer.full(DesiredState.of(s));
        assertThat(script)
                .contains(
                        "add element inet shoal services6 { 2001:db8:0:0:0:0:0:10 . udp . 53 : goto pick6_ng1_ct6_udp_120 }")
                .contains("dnat ip6 to ip6 daddr . meta l4proto . th dport . meta mark map @backends6")
                .contains("l3proto ip6; policy = { unreplied: 30, replied: 120 }");
        assertThat(slots(script, "backends6"))
                .containsExactly("2001:db8:0:0:0:0:0:10 . udp . 53 . 0 : 2001:db8:0:0:0:0:0:11 . 5353");
    }

    @Test
    void idleTimeoutsBecomeSharedCtTimeoutPolicies() {
        VirtualService a = web().build();
        VirtualService b = VirtualService.builder("api")
                .vip("100.64.0.11")
                .port(80)
                .backend("198.18.0.11", 8080)
                .build();
        VirtualService c = VirtualService.builder("slow")
                .vip("100.64.0.12")
                .port(80)
                .idleTimeout(Duration.ofSeconds(600))
                .backend("198.18.0.11", 8080)
                .build();
        String script = renderer.full(DesiredState.of(a, b, c));
        assertThat(script.lines().filter(l -> l.startsWith("add ct timeout inet shoal ct4_tcp_86400 ")))
                .hasSize(1);
        assertThat(script)
                .contains("policy = { established: 86400 }")
                .contains("add ct timeout inet shoal ct4_tcp_600 ")
                .contains("add rule inet shoal pick4_ng1_ct4_tcp_600 ct timeout set \"ct4_tcp_600\"")
                .contains("100.64.0.12 . tcp . 80 : goto pick4_ng1_ct4_tcp_600");
    }

    @Test
    void verifyComparesIpv6ElementsWhateverTheirSpelling() {
        // nft lists IPv6 literals compressed; the renderer writes them in full.
        assertThat(NftablesBalancer.normalized("2001:db8::10 . udp . 53 . 0 : 2001:db8::11 . 5353"))
                .isEqualTo(NftablesBalancer.normalized(
                        "2001:db8:0:0:0:0:0:10 . udp . 53 . 0 : 2001:db8:0:0:0:0:0:11 . 5353"));
        assertThat(NftablesBalancer.normalized("100.64.0.10 . tcp . 80 : goto pick4_ng3"))
                .isEqualTo("100.64.0.10 . tcp . 80 : goto pick4_ng3");
    }

    @Test
    void withoutCtTimeoutSupportNoPolicyIsRendered() {
        NftRenderer plain = new NftRenderer(BalancerOptions.defaults(), false);
        assertThat(plain.full(DesiredState.of(web().build()))).doesNotContain("ct timeout");
    }

    @Test
    void reapplyingTheSameStateRendersNothing() {
        DesiredState s = DesiredState.of(web().build());
        assertThat(renderer.incremental(s, DesiredState.of(web().build()))).isEmpty();
    }

    @Test
    void changingOneBackendTouchesOnlyThatService() {
        List<VirtualService> many = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add(VirtualService.builder("s" + i)
                    .vip("100.64.1." + i)
                    .port(80)
                    .backend("198.18.1.1", 8080)
                    .backend("198.18.1.2", 8080)
                    .build());
        }
        DesiredState before = DesiredState.of(many);
        VirtualService changed = many.get(42).toBuilder()
                .backends(List.of(Backend.of("198.18.1.1", 8080), Backend.of("198.18.1.3", 8080)))
                .build();
        String script = renderer.incremental(before, before.with(changed));

        // Backend .2 left: only the one slot that pointed to it changes, plus its drain entries.
        assertThat(script.lines())
                .containsExactly(
                        "delete element inet shoal backends4 { 100.64.1.42 . tcp . 80 . 1 }",
                        "add element inet shoal backends4 { 100.64.1.42 . tcp . 80 . 1 : 198.18.1.3 . 8080 }",
                        "add element inet shoal leaving4 { 100.64.1.42 . tcp . 198.18.1.2 . 8080 }",
                        "delete element inet shoal leaving4 { 100.64.1.42 . tcp . 198.18.1.2 . 8080 }",
                        "add element inet shoal leaving4 { 100.64.1.42 . tcp . 198.18.1.2 . 8080 timeout 86430s }",
                        "add element inet shoal grace4 { 100.64.1.42 . tcp . 198.18.1.2 . 8080 }",
                        "delete element inet shoal grace4 { 100.64.1.42 . tcp . 198.18.1.2 . 8080 }",
                        "add element inet shoal grace4 { 100.64.1.42 . tcp . 198.18.1.2 . 8080 timeout 30s }",
                        "add element inet shoal leaving4 { 100.64.1.42 . tcp . 198.18.1.3 . 8080 }",
                        "delete element inet shoal leaving4 { 100.64.1.42 . tcp . 198.18.1.3 . 8080 }",
                        "add element inet shoal grace4 { 100.64.1.42 . tcp . 198.18.1.3 . 8080 }",
                        "delete element inet shoal grace4 { 100.64.1.42 . tcp . 198.18.1.3 . 8080 }");
    }

    @Test
    void growingAServiceMovesItToTheNextPickChainAndAddsOnlyItsSlots() {
        DesiredState two = DesiredState.of(
                web().backends(List.of(Backend.of("198.18.0.11", 8080), Backend.of("198.18.0.12", 8080)))
                        .build());
        String script = renderer.incremental(two, DesiredState.of(web().build()));
        assertThat(script)
                .contains("add chain inet shoal " + PICK3)
                .contains("delete element inet shoal services4 { 100.64.0.10 . tcp . 80 }")
                .contains("add element inet shoal services4 { 100.64.0.10 . tcp . 80 : goto " + PICK3 + " }")
                .contains("add element inet shoal backends4 { 100.64.0.10 . tcp . 80 . 2 : 198.18.0.13 . 8080 }")
                .contains("delete chain inet shoal pick4_ng2_ct4_tcp_86400")
                .doesNotContain(" . 80 . 0 ")
                .doesNotContain(" . 80 . 1 ");
        // The new chain exists before an element jumps to it; the old one goes once nothing does.
        assertThat(script.indexOf("add chain inet shoal " + PICK3))
                .isLessThan(script.indexOf("add element inet shoal services4"));
        assertThat(script.indexOf("delete element inet shoal services4"))
                .isLessThan(script.indexOf("delete chain inet shoal pick4_ng2"));
    }

    @Test
    void leavingBackendEntersLeavingForDrainPlusIdleAndGraceForTheDrainTimeout() {
        VirtualService before = web().build();
        VirtualService after = web().backends(List.of(
                        Backend.of("198.18.0.11", 8080),
                        Backend.of("198.18.0.12", 8080).asDraining(),
                        Backend.of("198.18.0.13", 8080)))
                .build();
        String script = renderer.incremental(DesiredState.of(before), DesiredState.of(after));
        String key = "100.64.0.10 . tcp . 198.18.0.12 . 8080";
        assertThat(script)
                .contains("add element inet shoal leaving4 { " + key + " timeout 86430s }")
                .contains("add element inet shoal grace4 { " + key + " timeout 30s }");
        assertThat(script.lines().filter(l -> l.contains("leaving4") || l.contains("grace4")))
                .allSatisfy(l -> assertThat(l).contains(key));
        // Removed first, so that a second departure restarts the clock.
        assertThat(script.indexOf("delete element inet shoal grace4 { " + key + " }"))
                .isLessThan(script.indexOf("add element inet shoal grace4 { " + key + " timeout"));
    }

    @Test
    void returningBackendLeavesTheDrainSets() {
        VirtualService drained = web().backends(List.of(
                        Backend.of("198.18.0.11", 8080),
                        Backend.of("198.18.0.12", 8080).withWeight(0)))
                .build();
        String script = renderer.incremental(DesiredState.of(drained), DesiredState.of(web().build()));
        assertThat(script)
                .contains("delete element inet shoal leaving4 { 100.64.0.10 . tcp . 198.18.0.12 . 8080 }")
                .contains("delete element inet shoal grace4 { 100.64.0.10 . tcp . 198.18.0.12 . 8080 }")
                .doesNotContain("timeout 86430s");
    }

    @Test
    void zeroDrainTimeoutCutsAtOnce() {
        NftRenderer cut = new NftRenderer(BalancerOptions.defaults().withDrainTimeout(Duration.ZERO), true);
        String script = cut.incremental(DesiredState.of(web().build()), DesiredState.empty());
        assertThat(script)
                .contains("add element inet shoal leaving4 { 100.64.0.10 . tcp . 198.18.0.11 . 8080 timeout 86400s }")
                .doesNotContain("grace4 { 100.64.0.10 . tcp . 198.18.0.11 . 8080 timeout");
    }

    @Test
    void drainRulesCutOnlyDnatedFlowsPastTheirGrace() {
        assertThat(renderer.full(DesiredState.empty()))
                .contains("add chain inet shoal drain_output { type filter hook output priority 0; policy accept; }")
                .contains("add rule inet shoal drain_output ct status dnat ct original ip daddr . meta l4proto . ip"
                        + " daddr . th dport @leaving4 ct original ip daddr . meta l4proto . ip daddr . th dport !="
                        + " @grace4 goto drain_cut")
                .contains("add rule inet shoal drain_cut meta l4proto tcp reject with tcp reset\n"
                        + "add rule inet shoal drain_cut reject\n");
    }

    @Test
    void removingAServiceDeletesItsElementChainsSetsAndUnusedPolicies() {
        VirtualService s = web().sourceAffinity(Duration.ofSeconds(60))
                .idleTimeout(Duration.ofSeconds(77))
                .build();
        String script = renderer.incremental(DesiredState.of(s), DesiredState.empty());
        assertThat(script)
                .contains("delete element inet shoal services4 { 100.64.0.10 . tcp . 80 }")
                .contains("delete chain inet shoal " + EP1)
                .contains("delete set inet shoal " + EP1 + "_aff60")
                .contains("delete chain inet shoal " + SVC)
                .contains("delete ct timeout inet shoal ct4_tcp_77");
        assertThat(script.indexOf("delete element")).isLessThan(script.indexOf("delete chain"));
        assertThat(script.indexOf("delete chain inet shoal " + SVC)).isLessThan(script.indexOf("delete ct timeout"));
    }

    @Test
    void changingTheAffinityTimeoutReplacesTheSets() {
        VirtualService a = web().sourceAffinity(Duration.ofSeconds(60)).build();
        VirtualService b = web().sourceAffinity(Duration.ofSeconds(90)).build();
        String script = renderer.incremental(DesiredState.of(a), DesiredState.of(b));
        assertThat(script)
                .contains("delete set inet shoal " + EP1 + "_aff60")
                .contains("add set inet shoal " + EP1 + "_aff90 ")
                .doesNotContain("delete chain inet shoal " + EP1);
    }
}
