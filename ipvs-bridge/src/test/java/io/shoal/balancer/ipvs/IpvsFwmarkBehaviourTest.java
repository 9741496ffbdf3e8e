package io.shoal.balancer.ipvs;

import static io.shoal.balancer.lab.NamespaceLab.SECOND_TCP_PORT;
import static io.shoal.balancer.lab.NamespaceLab.TCP_PORT;
import static io.shoal.balancer.lab.NamespaceLab.UDP_PORT;
import static io.shoal.balancer.lab.NamespaceLab.backendAddress;
import static io.shoal.balancer.lab.NamespaceLab.count;
import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.balancer.NetworkNamespace;
import io.shoal.balancer.lab.NamespaceLab;
import io.shoal.balancer.spec.BalancerOptions;
import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.Protocol;
import io.shoal.balancer.spec.VirtualService;
import io.shoal.testbed.Requirements;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * All-ports VIPs as IPVS fwmark services, on a kernel that has IPVS and nftables marking (Debian's
 * own kernel; run inside a qemu guest by {@link IpvsFwmarkOnQemuTest}: this machine's kernel has no
 * IPVS, the user-mode-Linux guest's no {@code inet} nf_tables family). The lab of the behaviour
 * suite: the balancer programs the client namespace, three backends answer with their names on TCP
 * 8080 and 9090 and UDP 8053.
 *
 * <p>Connections per spread check: {@code -Dshoal.vm.fwmark.connections} (default 300).
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@EnabledIf(
        value = "io.shoal.balancer.ipvs.IpvsBalancerBehaviourTest#kernelHasIpvs",
        disabledReason = "IPVS fwmark behaviour NOT RUN: this kernel has no IPVS; it runs in a qemu guest"
                + " (IpvsFwmarkOnQemuTest)")
class IpvsFwmarkBehaviourTest {
    private static final String VIP = "100.64.0.10";
    private static final int CONNECTIONS = Integer.getInteger("shoal.vm.fwmark.connections", 300);
    private static final java.time.Duration DRAIN = java.time.Duration.ofSeconds(5);

    private NamespaceLab lab;
    private IpvsBalancer balancer;

    @BeforeAll
    void startLab() {
        Requirements.requireRoot();
        Requirements.require(
                IpvsProbe.isAvailable(),
                "IPVS: "
                        + IpvsProbe.unavailabilityCause()
                                .map(Throwable::getMessage)
                                .orElse(""));
        Requirements.require(
                IpvsBalancer.fwmarkUnavailabilityCause(NetworkNamespace.current())
                        .isEmpty(),
                "nftables marking for IPVS fwmark services: "
                        + IpvsBalancer.fwmarkUnavailabilityCause(NetworkNamespace.current())
                                .orElse(""));
        long start = System.nanoTime();
        lab = NamespaceLab.start(3);
        System.out.printf("lab up in %d ms%n", (System.nanoTime() - start) / 1_000_000);
    }

    @AfterAll
    void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @BeforeEach
    void newBalancer() {
        balancer = IpvsBalancer.create(
                NetworkNamespace.named(lab.clientNs()),
                BalancerOptions.defaults().withDrainTimeout(DRAIN));
    }

    @AfterEach
    void closeBalancer() {
        if (balancer != null) {
            balancer.close();
        }
    }

    private static VirtualService.Builder allPorts(String name, Protocol protocol, int backends) {
        VirtualService.Builder b =
                VirtualService.builder(name).vip(VIP).protocol(protocol).allPorts();
        for (int i = 1; i <= backends; i++) {
            b.backend(backendAddress(i), 0);
        }
        return b;
    }

    private static DesiredState tcpAndUdp(int tcpBackends) {
        return DesiredState.of(
                allPorts("any", Protocol.TCP, tcpBackends).build(),
                allPorts("anyu", Protocol.UDP, 3).build());
    }

    private static void assertEvenSpread(Map<String, Integer> counts, int n, int backends) {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= backends; i++) {
            names.add(NamespaceLab.backendName(i));
        }
        System.out.printf("%d connections: %s%n", n, counts);
        assertThat(counts).containsOnlyKeys(names);
        int share = n / backends;
        // IPVS rr is exact; the margin only allows for connections of other checks in between.
        assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(share * 8 / 10, share * 12 / 10));
    }

    private String table() {
        return lab.inClient("nft", "list", "table", "inet", IpvsMarks.TABLE);
    }

    /** A map element as nft lists it: the protocol by name, or by number where the guest has no /etc/protocols. */
    private static String element(IpvsMarks.Target t, int mark) {
        String proto = t.protocol() == Protocol.TCP ? "(tcp|6)" : "(udp|17)";
        return "(?s).*" + java.util.regex.Pattern.quote(io.shoal.balancer.spec.IpLiterals.format(t.vip()) + " . ")
                + proto + java.util.regex.Pattern.quote(" : " + IpvsMarks.hex(mark)) + ".*";
    }

    @Test
    void allPortsVipSpreadsEveryConnectionOnEveryPortAndARemovedBackendGetsNoNewOnes() {
        assertThat(balancer.usesFwmarkServices()).isTrue();
        balancer.apply(tcpAndUdp(3));

        // Two fwmark services (TCP and UDP of one VIP), scheduled per connection (not persistent).
        Map<IpvsMarks.Target, Integer> marks = balancer.marks();
        assertThat(marks).hasSize(2);
        assertThat(marks.values()).allMatch(IpvsMarks::inRange);
        IpvsTable dump = balancer.dump();
        assertThat(dump.entries().keySet())
                .extracting(IpvsServiceKey::fwmark)
                .containsExactlyInAnyOrderElementsOf(marks.values());
        assertThat(dump.entries().values()).allSatisfy(e -> {
            assertThat(e.service().scheduler()).isEqualTo("rr");
            assertThat(e.service().persistent()).isFalse();
            assertThat(e.destinations()).hasSize(3);
        });
        String listing = table();
        marks.forEach((t, m) -> assertThat(listing).matches(element(t, m)));

        // One client, back to back: every backend, evenly, on two TCP ports (the port is kept).
        // (9090 is answered without a process per connection: cheap enough for many in a slow guest.)
        assertEvenSpread(count(lab.tcpAnswers(VIP, SECOND_TCP_PORT, CONNECTIONS)), CONNECTIONS, 3);
        assertEvenSpread(count(lab.tcpAnswers(VIP, TCP_PORT, 30)), 30, 3);
        // UDP through its own mark; connections routed through the namespace are marked too.
        assertEvenSpread(count(lab.udpAnswers(VIP, UDP_PORT, 30)), 30, 3);
        assertThat(count(lab.routedTcpAnswers(VIP, SECOND_TCP_PORT, 30))).containsOnlyKeys("b1", "b2", "b3");

        // b3 leaves the TCP service: it drains (weight 0) and gets no new connection.
        balancer.apply(tcpAndUdp(2));
        assertThat(balancer.marks()).isEqualTo(marks);
        assertEvenSpread(count(lab.tcpAnswers(VIP, SECOND_TCP_PORT, 60)), 60, 2);
        assertEvenSpread(count(lab.tcpAnswers(VIP, TCP_PORT, 20)), 20, 2);

        // At the drain deadline the timer deletes b3 from the fwmark service (a re-plan with the marks).
        org.awaitility.Awaitility.await("b3 deleted after the drain timeout")
                .atMost(java.time.Duration.ofSeconds(60))
                .pollInterval(java.time.Duration.ofMillis(500))
                .until(() -> balancer.dump().entries().values().stream()
                        .map(e -> e.destinations().size())
                        .sorted()
                        .toList()
                        .equals(List.of(2, 3)));
        assertThat(balancer.marks()).isEqualTo(marks);

        // Re-applying the same state changes nothing: same services, same marks, same rules.
        String before = dumpAndRules();
        balancer.apply(tcpAndUdp(2));
        assertThat(dumpAndRules()).isEqualTo(before);
        assertThat(balancer.marks()).isEqualTo(marks);
    }

    private String dumpAndRules() {
        return balancer.dump() + "\n" + lab.inClient("nft", "-a", "list", "table", "inet", IpvsMarks.TABLE);
    }

    @Test
    void aRestartedBalancerAdoptsTheMarksAndRepairsWhatWasChangedBehindItsBack() {
        balancer.apply(tcpAndUdp(3));
        Map<IpvsMarks.Target, Integer> marks = balancer.marks();
        String listing = table();
        String dump = balancer.dump().toString();
        // The process dies: its sockets go, the kernel keeps what it programmed.
        balancer.abandon();
        // Meanwhile someone damages the table: one mark gone, one chain emptied.
        lab.inClient("nft", "delete", "element", "inet", IpvsMarks.TABLE, IpvsMarks.MAP4, "{ " + VIP + " . udp }");
        lab.inClient("nft", "flush", "chain", "inet", IpvsMarks.TABLE, "output");

        balancer = IpvsBalancer.create(NetworkNamespace.named(lab.clientNs()), BalancerOptions.defaults());
        balancer.apply(tcpAndUdp(3));

        assertThat(balancer.marks()).isEqualTo(marks);
        // The element and the rules are back (element order in a listing is the hash table's).
        String repaired = table();
        for (Map.Entry<IpvsMarks.Target, Integer> m : marks.entrySet()) {
            assertThat(repaired).matches(element(m.getKey(), m.getValue()));
        }
        assertThat(repaired.split("meta mark set", -1)).hasSize(5);
        assertThat(repaired.length()).isEqualTo(listing.length());
        assertThat(balancer.dump()).hasToString(dump);
        assertThat(count(lab.tcpAnswers(VIP, SECOND_TCP_PORT, 30))).containsOnlyKeys("b1", "b2", "b3");
        assertThat(count(lab.udpAnswers(VIP, UDP_PORT, 30))).containsOnlyKeys("b1", "b2", "b3");
    }

    @Test
    void closeRemovesTheServicesTheMarksAndTheTable() {
        balancer.apply(tcpAndUdp(3));
        assertThat(lab.inClient("nft", "list", "tables")).contains("table inet " + IpvsMarks.TABLE);

        balancer.close();
        balancer = null;

        assertThat(lab.inClient("nft", "list", "tables")).doesNotContain(IpvsMarks.TABLE);
        try (IpvsBalancer fresh =
                IpvsBalancer.create(NetworkNamespace.named(lab.clientNs()), BalancerOptions.defaults())) {
            assertThat(fresh.dump().entries()).isEmpty();
        }
        // The VIP is no longer a local address of the namespace.
        assertThat(lab.inClient("ip", "-o", "addr", "show", "dev", "lo")).doesNotContain(VIP + "/32");
    }
}
