package io.shoal.balancer.nftables;

import static io.shoal.balancer.lab.NamespaceLab.TCP_PORT;
import static io.shoal.balancer.lab.NamespaceLab.backendAddress;
import static io.shoal.balancer.lab.NamespaceLab.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.shoal.balancer.BalancerException;
import io.shoal.balancer.BalancerKind;
import io.shoal.balancer.Balancers;
import io.shoal.balancer.NetworkNamespace;
import io.shoal.balancer.ServiceBalancer;
import io.shoal.balancer.lab.NamespaceLab;
import io.shoal.balancer.spec.Backend;
import io.shoal.balancer.spec.BalancerOptions;
import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.VirtualService;
import io.shoal.testbed.Requirements;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What only the nftables backend has: kernel transactions, ct timeout policies, read-back, scale. */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NftablesBalancerIntegrationTest {
    private static final Logger LOG = LoggerFactory.getLogger(NftablesBalancerIntegrationTest.class);
    private static final String VIP = "100.64.0.10";

    private NamespaceLab lab;
    private NftablesBalancer balancer;

    /** Appends a command the kernel refuses (ENOENT) to the next transaction, after all valid ones. */
    private static final class SabotagedNft extends NftCommand {
        final AtomicBoolean sabotageNext = new AtomicBoolean();

        SabotagedNft(NetworkNamespace ns) {
            super(ns);
        }

        @Override
        public void apply(String script, String what) {
            if (sabotageNext.getAndSet(false)) {
                script = script + "delete chain inet shoal no_such_chain\n";
            }
            super.apply(script, what);
        }
    }

    @BeforeAll
    void startLab() {
        Requirements.requireRoot();
        Requirements.require(NftablesSupport.isAvailable(), "nftables with NAT");
        lab = NamespaceLab.start(3);
    }

    @AfterAll
    void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @AfterEach
    void closeBalancer() {
        if (balancer != null) {
            balancer.close();
            balancer = null;
        }
    }

    private NetworkNamespace client() {
        return NetworkNamespace.named(lab.clientNs());
    }

    private static VirtualService.Builder web() {
        return VirtualService.builder("web")
                .vip(VIP)
                .port(80)
                .backend(backendAddress(1), TCP_PORT)
                .backend(backendAddress(2), TCP_PORT)
                .backend(backendAddress(3), TCP_PORT);
    }

    @Test
    void automaticChoiceIsNftablesBecauseThisKernelHasNoIpvs() {
        Requirements.require(
                !java.nio.file.Files.exists(java.nio.file.Path.of("/proc/net/ip_vs")), "a kernel without IPVS");
        assertThat(Balancers.choose()).isEqualTo(BalancerKind.NFTABLES);
        assertThat(Balancers.unavailabilityCause(BalancerKind.IPVS).orElseThrow())
                .hasMessageContaining("no /proc/net/ip_vs");
        assertThat(Balancers.unavailabilityCause(BalancerKind.NFTABLES)).isEmpty();
        assertThatThrownBy(() -> Balancers.forNamespace(client(), BalancerOptions.defaults(), BalancerKind.IPVS))
                .isInstanceOf(UnsupportedOperationException.class)
                .rootCause()
                .hasMessageContaining("no /proc/net/ip_vs");
        try (ServiceBalancer auto = Balancers.forNamespace(client())) {
            assertThat(auto.kind()).isEqualTo(BalancerKind.NFTABLES);
        }
    }

    @Test
    void transactionTheKernelRefusesLeavesThePreviousRulesetBalancing() {
        SabotagedNft nft = new SabotagedNft(client());
        balancer = new NftablesBalancer(nft, BalancerOptions.defaults(), NftablesSupport.ctTimeoutsAvailable());
        DesiredState first = DesiredState.of(web().build());
        balancer.apply(first);
        DesiredState second = DesiredState.of(
                web().backends(List.of(Backend.of(backendAddress(1), TCP_PORT))).build());

        nft.sabotageNext.set(true);
        assertThatThrownBy(() -> balancer.apply(second))
                .isInstanceOf(BalancerException.class)
                .hasMessageContaining("namespace " + lab.clientNs())
                .hasMessageContaining("(exit 1)")
                .hasMessageContaining("No such file or directory")
                .satisfies(e -> assertThat(((BalancerException) e).exitCode()).isEqualTo(1));

        // The valid commands before the refused one did not take effect either.
        assertThat(balancer.current()).isEqualTo(first);
        assertThat(balancer.verify()).isEmpty();
        assertThat(count(lab.tcpAnswers(VIP, 80, 30))).containsOnlyKeys("b1", "b2", "b3");

        balancer.apply(second);
        assertThat(count(lab.tcpAnswers(VIP, 80, 10))).containsOnlyKeys("b1");
    }

    @Test
    void applyInAMissingNamespaceFailsNamingIt() {
        String missing = lab.prefix() + "x";
        NftablesBalancer nowhere = NftablesBalancer.create(NetworkNamespace.named(missing), BalancerOptions.defaults());

        assertThatThrownBy(() -> nowhere.apply(DesiredState.of(web().build())))
                .isInstanceOf(BalancerException.class)
                .hasMessageContaining("in namespace " + missing)
                .hasMessageContaining("/run/netns/" + missing);
        assertThat(nowhere.current()).isEqualTo(DesiredState.empty());
    }

    @Test
    void ctTimeoutPolicyGivesTheServiceItsOwnIdleTimeout() {
        Requirements.require(NftablesSupport.ctTimeoutsAvailable(), "conntrack timeout policies in the kernel");
        balancer = NftablesBalancer.create(client(), BalancerOptions.defaults());
        balancer.apply(
                DesiredState.of(web().idleTimeout(Duration.ofSeconds(600)).build()));

        try (NamespaceLab.LongLivedConnection open = lab.openConnection(VIP, 80)) {
            assertThat(open.readLine(5)).isIn("b1", "b2", "b3");
            long timeout = establishedTimeoutTo(VIP, 80);
            // Not the namespace's 432,000 s sysctl default: the service's own 600 s.
            assertThat(timeout).isBetween(590L, 600L);
        }
    }

    @Test
    void ctTimeoutPolicyGivesAUdpServiceItsOwnIdleTimeout() {
        Requirements.require(NftablesSupport.ctTimeoutsAvailable(), "conntrack timeout policies in the kernel");
        balancer = NftablesBalancer.create(
                client(), BalancerOptions.defaults().withUdpIdleTimeout(Duration.ofSeconds(20)));
        balancer.apply(DesiredState.of(VirtualService.builder("dns")
                .vip(VIP)
                .protocol(io.shoal.balancer.spec.Protocol.UDP)
                .port(53)
                .backend(backendAddress(1), NamespaceLab.UDP_PORT)
                .build()));

        assertThat(lab.udpAnswers(VIP, 53, 1)).containsExactly("b1");

        // One exchange, shorter than the kernel's 2 s "stream" threshold: the "unreplied" timeout
        // applies, which the policy caps at the idle timeout: 20 s rather than the kernel's 30 s.
        assertThat(timeoutOf("udp", VIP, 53, "")).isBetween(10L, 20L);
    }

    /** Seconds left on the ESTABLISHED conntrack entry of the client's connection to vip:port. */
    private long establishedTimeoutTo(String vip, int port) {
        return timeoutOf("tcp", vip, port, " ESTABLISHED ");
    }

    private long timeoutOf(String proto, String vip, int port, String state) {
        String table = lab.inClient("cat", "/proc/net/nf_conntrack");
        for (String line : table.lines().toList()) {
            if (line.contains(" " + proto + " ")
                    && line.contains(state)
                    && line.contains("dst=" + vip + " ")
                    && line.contains("dport=" + port + " ")) {
                // "ipv4 2 tcp 6 <timeout> ESTABLISHED src=..."
                return Long.parseLong(line.trim().split("\\s+")[4]);
            }
        }
        throw new AssertionError("no " + proto + state + " entry to " + vip + ":" + port + " in:\n" + table);
    }

    @Test
    void drainTimeoutCutsTheOpenConnectionOfALeavingBackend() {
        balancer =
                NftablesBalancer.create(client(), BalancerOptions.defaults().withDrainTimeout(Duration.ofSeconds(2)));
        VirtualService all = web().build();
        balancer.apply(DesiredState.of(all));
        try (NamespaceLab.LongLivedConnection open = lab.openConnection(VIP, 80)) {
            String leaving = open.readLine(5);
            List<Backend> backends = new ArrayList<>();
            for (Backend b : all.backends()) {
                boolean isLeaving =
                        b.address().getHostAddress().equals(backendAddress(Integer.parseInt(leaving.substring(1))));
                backends.add(isLeaving ? b.asDraining() : b);
            }
            long drainedAt = System.nanoTime();
            balancer.apply(DesiredState.of(all.toBuilder().backends(backends).build()));
            assertThat(open.echo("within-grace")).isEqualTo("within-grace");

            await("connection cut after the drain timeout")
                    .atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        try {
                            open.echo("ping");
                            return false;
                        } catch (IllegalStateException cut) {
                            return true;
                        }
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - drainedAt)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
            // The other backends still take connections.
            assertThat(count(lab.tcpAnswers(VIP, 80, 10))).hasSize(2).doesNotContainKey(leaving);
        }
    }

    @Test
    void verifyFindsAFlushedRulesetAndResyncRepairsIt() {
        balancer = NftablesBalancer.create(client(), BalancerOptions.defaults());
        balancer.apply(DesiredState.of(web().build()));
        assertThat(balancer.verify()).isEmpty();

        new NftCommand(client()).query("delete", "table", "inet", "shoal");
        assertThat(lab.tcpAnswers(VIP, 80, 1)).containsExactly("-");
        assertThat(balancer.verify()).singleElement().asString().startsWith("table inet shoal is missing");

        balancer.resync();
        assertThat(balancer.verify()).isEmpty();

        new NftCommand(client()).apply("add chain inet shoal stray\n", "drift");
        assertThat(balancer.verify()).containsExactly("unexpected chain stray");
        balancer.resync();
        assertThat(balancer.verify()).isEmpty();
        assertThat(count(lab.tcpAnswers(VIP, 80, 6))).containsOnlyKeys("b1", "b2", "b3");
    }

    @Test
    void thousandServicesInOneTransactionThenOneBackendChangeLeavesOtherRulesUntouched() {
        balancer = NftablesBalancer.create(client(), BalancerOptions.defaults());
        List<VirtualService> services = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            VirtualService.Builder b = VirtualService.builder("s" + i)
                    .vip("100.65." + (i / 250) + "." + (i % 250 + 1))
                    .port(80);
            for (int j = 1; j <= 10; j++) {
                b.backend("198.18.1." + j, 8080);
            }
            services.add(b.build());
        }
        DesiredState full = DesiredState.of(services);

        long t0 = System.nanoTime();
        balancer.apply(full);
        long fullMs = (System.nanoTime() - t0) / 1_000_000;

        NftCommand nft = new NftCommand(client());
        Matcher pick = Pattern.compile("100\\.65\\.0\\.8 \\. tcp \\. 80 : goto (\\S+?)[,\\s}]")
                .matcher(nft.query("list", "map", "inet", "shoal", "services4"));
        assertThat(pick.find()).as("service s7's verdict-map entry").isTrue();
        String shared = nft.query("-a", "list", "chain", "inet", "shoal", pick.group(1));
        VirtualService changed = services.get(500).toBuilder()
                .backends(replaceLast(services.get(500).backends(), Backend.of("198.18.1.99", 8080)))
                .build();

        long t1 = System.nanoTime();
        balancer.apply(full.with(changed));
        long oneMs = (System.nanoTime() - t1) / 1_000_000;
        LOG.info("nftables: 1000 services x 10 backends applied in {} ms; one backend changed in {} ms", fullMs, oneMs);

        // The change was one slot element: the chain every service shares kept its rules (same
        // handles), s7's slot still points where it did, s500's last slot moved to the new backend.
        assertThat(nft.query("-a", "list", "chain", "inet", "shoal", pick.group(1)))
                .isEqualTo(shared);
        String slots = nft.query("list", "map", "inet", "shoal", "backends4");
        assertThat(slots)
                .contains("100.65.2.1 . tcp . 80 . 0x00000009 : 198.18.1.99 . 8080")
                .contains("100.65.0.8 . tcp . 80 . 0x00000009 : 198.18.1.10 . 8080")
                .doesNotContain("100.65.2.1 . tcp . 80 . 0x00000009 : 198.18.1.10 . 8080");
        assertThat(balancer.verify()).isEmpty();
        assertThat(nft.query("list", "map", "inet", "shoal", "services4"))
                .containsPattern("100\\.65\\.3\\.250 \\. tcp \\. 80 : goto");
    }

    private static List<Backend> replaceLast(List<Backend> backends, Backend replacement) {
        List<Backend> copy = new ArrayList<>(backends.subList(0, backends.size() - 1));
        copy.add(replacement);
        return copy;
    }
}
