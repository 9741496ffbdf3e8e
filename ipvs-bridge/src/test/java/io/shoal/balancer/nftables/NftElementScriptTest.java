package io.shoal.balancer.nftables;

import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.balancer.spec.Backend;
import io.shoal.balancer.spec.BalancerOptions;
import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.VirtualService;
import io.shoal.netlink.nftables.NftKey;
import io.shoal.netlink.nftables.NftVerdict;
import io.shoal.netlink.nftables.SetElement;
import io.shoal.netlink.nftables.SetElementChange;
import io.shoal.netlink.nftables.SetElementChange.Operation;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which rendered scripts take the netlink fast path, and the element steps they become. */
class NftElementScriptTest {
    private final NftRenderer renderer = new NftRenderer(BalancerOptions.defaults(), true);

    private static VirtualService.Builder web() {
        return VirtualService.builder("web")
                .vip("100.64.0.10")
                .port(80)
                .backend("198.18.0.11", 8080)
                .backend("198.18.0.12", 8080)
                .backend("198.18.0.13", 8080);
    }

    private static VirtualService.Builder api() {
        return VirtualService.builder("api")
                .vip("100.64.0.20")
                .port(443)
                .backend("198.18.0.11", 8443)
                .backend("198.18.0.12", 8443);
    }

    @Test
    void replacedBackendBecomesSlotAndDrainSteps() throws Exception {
        DesiredState before = DesiredState.of(web().build());
        DesiredState after = DesiredState.of(web().backends(List.of(
                        Backend.of("198.18.0.11", 8080),
                        Backend.of("198.18.0.12", 8080),
                        Backend.of("198.18.0.14", 8080)))
                .build());
        String script = renderer.incremental(before, after);

        List<SetElementChange> steps = NftElementScript.parse(script, 1000).orElseThrow();

        // One step per line, same order as the script: nft and netlink do the same thing.
        assertThat(steps).hasSize((int) script.lines().count());
        assertThat(steps.get(0))
                .isEqualTo(SetElementChange.delete(
                        "shoal",
                        "backends4",
                        List.of(SetElement.key(NftKey.builder()
                                .ipv4(ip("100.64.0.10"))
                                .protocol(6)
                                .port(80)
                                .mark(2)
                                .bytes()))));
        assertThat(steps.get(1))
                .isEqualTo(SetElementChange.add(
                        "shoal",
                        "backends4",
                        List.of(SetElement.mapping(
                                NftKey.builder()
                                        .ipv4(ip("100.64.0.10"))
                                        .protocol(6)
                                        .port(80)
                                        .mark(2)
                                        .bytes(),
                                NftKey.builder()
                                        .ipv4(ip("198.18.0.14"))
                                        .port(8080)
                                        .bytes()))));
        // The leaving backend enters "leaving" for drain + idle timeout and "grace" for the drain timeout.
        byte[] drainKey = NftKey.builder()
                .ipv4(ip("100.64.0.10"))
                .protocol(6)
                .ipv4(ip("198.18.0.13"))
                .port(8080)
                .bytes();
        assertThat(steps)
                .contains(SetElementChange.add(
                        "shoal",
                        "leaving4",
                        List.of(SetElement.key(drainKey).withTimeoutMillis((30 + 86_400) * 1000L))))
                .contains(SetElementChange.add(
                        "shoal", "grace4", List.of(SetElement.key(drainKey).withTimeoutMillis(30_000))));
        assertThat(steps.stream().map(SetElementChange::set).distinct())
                .containsExactlyInAnyOrder("backends4", "leaving4", "grace4");
    }

    @Test
    void addedServiceWhosePickChainExistsIsOnlyElements() {
        DesiredState before = DesiredState.of(web().build());
        DesiredState after = DesiredState.of(
                web().build(),
                VirtualService.builder("web2")
                        .vip("100.64.0.11")
                        .port(80)
                        .backend("198.18.0.21", 8080)
                        .backend("198.18.0.22", 8080)
                        .backend("198.18.0.23", 8080)
                        .build());
        List<SetElementChange> steps = NftElementScript.parse(renderer.incremental(before, after), 1000)
                .orElseThrow();
        assertThat(steps).anySatisfy(c -> assertThat(c.elements())
                .contains(SetElement.verdict(
                        NftKey.builder()
                                .ipv4(ip("100.64.0.11"))
                                .protocol(6)
                                .port(80)
                                .bytes(),
                        NftVerdict.goTo("pick4_ng3_ct4_tcp_86400"))));
        // Deletions only make sure the new backends are not in the drain sets (add-then-delete).
        assertThat(steps).filteredOn(c -> c.operation() == Operation.DELETE).allSatisfy(c -> assertThat(c.set())
                .isIn("leaving4", "grace4"));
    }

    @Test
    void structuralChangesGoToNft() {
        DesiredState one = DesiredState.of(web().build());
        // First service of its kind: a new pick chain.
        assertThat(NftElementScript.parse(
                        renderer.incremental(one, DesiredState.of(web().build(), api().build())), 1000))
                .isEmpty();
        // A full script.
        assertThat(NftElementScript.parse(renderer.full(one), 1000)).isEmpty();
        // Affinity: chains of its own.
        VirtualService sticky =
                web().sourceAffinity(java.time.Duration.ofMinutes(5)).build();
        assertThat(NftElementScript.parse(renderer.incremental(one, DesiredState.of(sticky)), 1000))
                .isEmpty();
        // Nothing to do.
        assertThat(NftElementScript.parse("", 1000)).isEmpty();
    }

    @Test
    void unexpectedTextOrTooManyElementsGoToNft() {
        String ok = "add element inet shoal backends4 { 100.64.0.10 . tcp . 80 . 0 : 198.18.0.11 . 8080 }\n";
        assertThat(NftElementScript.parse(ok, 1000)).isPresent();
        assertThat(NftElementScript.parse(ok, 0)).isEmpty();
        for (String bad : List.of(
                "add element inet shoal other { 100.64.0.10 }\n",
                "add element inet shoal backends4 { 100.64.0.10 . sctp . 80 . 0 : 198.18.0.11 . 8080 }\n",
                "add element inet shoal backends4 { 100.64.0.10 . tcp . 80 : 198.18.0.11 . 8080 }\n",
                "add element inet shoal backends4 { 100.64.0.10 . tcp . 80 . 0 }\n",
                "add element inet shoal backends4 { fd00::1 . tcp . 80 . 0 : 198.18.0.11 . 8080 }\n",
                "add element inet shoal backends4 { 100.64.0.10 . tcp . 99999 . 0 : 198.18.0.11 . 8080 }\n",
                "add element inet shoal services4 { 100.64.0.10 . tcp . 80 : jump x }\n",
                "add element inet shoal leaving4 { 100.64.0.10 . tcp . 198.18.0.11 . 8080 timeout 5m }\n",
                "delete element inet shoal services4 { 100.64.0.10 . tcp . 80 : goto x }\n",
                "add element inet other backends4 { 100.64.0.10 . tcp . 80 . 0 : 198.18.0.11 . 8080 }\n",
                ok + "add chain inet shoal x\n")) {
            assertThat(NftElementScript.parse(bad, 1000)).as(bad).isEqualTo(Optional.empty());
        }
        List<SetElementChange> v6 = NftElementScript.parse(
                        "add element inet shoal backends6 { fd00::10 . udp . 53 . 1 : fd00::21 . 5353 }\n", 1000)
                .orElseThrow();
        assertThat(v6.get(0).elements().get(0).keyBytes()).hasSize(16 + 4 + 4 + 4);
        assertThat(v6.get(0).elements().get(0).valueBytes()).hasSize(16 + 4);
    }

    @Test
    void removingManyServicesIsTooManyMessagesForOneTransactionAndGoesToNft() {
        List<VirtualService> many = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) {
            VirtualService.Builder b =
                    VirtualService.builder("s" + i).vip("100.64.1." + (i + 1)).port(80);
            for (int j = 1; j <= 10; j++) {
                b.backend("198.18.1." + j, 8080);
            }
            many.add(b.build());
        }
        DesiredState before = DesiredState.of(many);
        DesiredState after = DesiredState.of(many.subList(0, 1));
        String script = renderer.incremental(before, after);
        // Only element lines (slots, verdicts, drain sets) but one per drain-set step: > 128 messages.
        assertThat(script.lines()).allMatch(l -> l.contains(" element inet shoal "));
        assertThat(script.lines().count())
                .isGreaterThan(io.shoal.netlink.socket.NetlinkSocket.MAX_TRANSACTION_MESSAGES);
        assertThat(NftElementScript.parse(script, 1000)).isEmpty();
        // A handful of the same kind of change does fit.
        assertThat(NftElementScript.parse(renderer.incremental(before, DesiredState.of(many.subList(0, 29))), 1000))
                .isPresent();
    }

    private static InetAddress ip(String s) throws RuntimeException {
        try {
            return InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
