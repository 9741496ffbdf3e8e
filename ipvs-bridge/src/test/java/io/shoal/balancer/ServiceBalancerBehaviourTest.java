package io.shoal.balancer;

import static io.shoal.balancer.lab.NamespaceLab.TCP_PORT;
import static io.shoal.balancer.lab.NamespaceLab.UDP_PORT;
import static io.shoal.balancer.lab.NamespaceLab.backendAddress;
import static io.shoal.balancer.lab.NamespaceLab.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.balancer.lab.NamespaceLab;
import io.shoal.balancer.spec.Algorithm;
import io.shoal.balancer.spec.Backend;
import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.Protocol;
import io.shoal.balancer.spec.VirtualService;
import io.shoal.testbed.Requirements;
import java.time.Duration;
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

/**
 * What every balancer must do, written once and run per backend (as Netty's testsuite runs one
 * test per transport): subclass it with a factory for the backend under test. A client namespace
 * and three backend namespaces share a bridge; the balancer programs the client namespace, as it
 * would a container's.
 *
 * <p>Connections per spread check: system property {@code shoal.balancer.connections} (default
 * 600; the 3,000 in CI with {@code -Dshoal.balancer.connections=3000}).
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ServiceBalancerBehaviourTest {
    protected static final String VIP = "100.64.0.10";
    protected static final int CONNECTIONS = Integer.getInteger("shoal.balancer.connections", 600);

    protected NamespaceLab lab;
    protected ServiceBalancer balancer;

    /** A balancer of the kind under test, programming {@code namespace}. */
    protected abstract ServiceBalancer newBalancer(NetworkNamespace namespace);

    /** Skips (or, in CI, fails) when this machine cannot run the backend under test. */
    protected abstract void requireBackend();

    @BeforeAll
    void startLab() {
        Requirements.requireRoot();
        requireBackend();
        Requirements.require(onPath("socat") && onPath("python3"), "socat and python3 on the PATH");
        lab = NamespaceLab.start(3);
    }

    @AfterAll
    void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @BeforeEach
    void newBalancerForTheClient() {
        balancer = newBalancer(NetworkNamespace.named(lab.clientNs()));
    }

    @AfterEach
    void closeBalancer() {
        if (balancer != null) {
            balancer.close();
        }
    }

    protected static VirtualService.Builder web() {
        return VirtualService.builder("web")
                .vip(VIP)
                .port(80)
                .backend(backendAddress(1), TCP_PORT)
                .backend(backendAddress(2), TCP_PORT)
                .backend(backendAddress(3), TCP_PORT);
    }

    @Test
    void roundRobinReachesEveryBackendEvenly() {
        balancer.apply(DesiredState.of(web().build()));

        Map<String, Integer> counts = count(lab.tcpAnswers(VIP, 80, CONNECTIONS));

        assertThat(counts).containsOnlyKeys("b1", "b2", "b3");
        int third = CONNECTIONS / 3;
        assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(third * 9 / 10, third * 11 / 10));
    }

    @Test
    void weightsSkewTheSpreadAsConfigured() {
        balancer.apply(DesiredState.of(web().algorithm(Algorithm.WEIGHTED)
                .backends(List.of(
                        Backend.of(backendAddress(1), TCP_PORT).withWeight(1),
                        Backend.of(backendAddress(2), TCP_PORT).withWeight(2),
                        Backend.of(backendAddress(3), TCP_PORT).withWeight(3)))
                .build()));

        int n = CONNECTIONS;
        Map<String, Integer> counts = count(lab.tcpAnswers(VIP, 80, n));

        assertThat(counts).containsOnlyKeys("b1", "b2", "b3");
        assertThat(counts.get("b1")).isBetween(n / 6 * 8 / 10, n / 6 * 12 / 10);
        assertThat(counts.get("b2")).isBetween(n / 3 * 9 / 10, n / 3 * 11 / 10);
        assertThat(counts.get("b3")).isBetween(n / 2 * 9 / 10, n / 2 * 11 / 10);
    }

    @Test
    void sourceAffinityKeepsEachClientOnOneBackend() {
        balancer.apply(
                DesiredState.of(web().sourceAffinity(Duration.ofSeconds(300)).build()));

        Map<String, Integer> first = count(lab.tcpAnswers(VIP, 80, 30, NamespaceLab.CLIENT_ADDRESS));
        Map<String, Integer> second = count(lab.tcpAnswers(VIP, 80, 30, NamespaceLab.SECOND_CLIENT_ADDRESS));

        assertThat(first).hasSize(1);
        assertThat(second).hasSize(1);
        // Two clients that arrive one after the other are spread, so stickiness is not luck.
        assertThat(first.keySet()).doesNotContainAnyElementsOf(second.keySet());
        assertThat(first.keySet()).allSatisfy(b -> assertThat(b).isIn("b1", "b2", "b3"));
    }

    @Test
    void consistentHashSpreadsFlowsOverEveryBackend() {
        balancer.apply(
                DesiredState.of(web().algorithm(Algorithm.CONSISTENT_HASH).build()));

        int n = CONNECTIONS / 2;
        Map<String, Integer> counts = count(lab.tcpAnswers(VIP, 80, n));

        assertThat(counts).containsOnlyKeys("b1", "b2", "b3");
        assertThat(counts.values()).allSatisfy(c -> assertThat(c).isGreaterThan(n / 6));
    }

    @Test
    void clientsThatLeaveTheSourceAddressToTheKernelAreAnsweredToo() {
        // An application in a container connects without binding: the kernel picks the source.
        // It must be the namespace's own address (the backends route back to it), never the VIP.
        balancer.apply(DesiredState.of(
                VirtualService.builder("web")
                        .vip(VIP)
                        .port(80)
                        .backend(backendAddress(1), TCP_PORT)
                        .backend(backendAddress(2), TCP_PORT)
                        .backend(backendAddress(3), TCP_PORT)
                        .build(),
                VirtualService.builder("dns")
                        .vip(VIP)
                        .protocol(Protocol.UDP)
                        .port(53)
                        .backend(backendAddress(1), UDP_PORT)
                        .backend(backendAddress(2), UDP_PORT)
                        .backend(backendAddress(3), UDP_PORT)
                        .build()));

        assertThat(count(lab.tcpAnswers(VIP, 80, 6, NamespaceLab.KERNEL_CHOOSES_SOURCE)))
                .containsOnlyKeys("b1", "b2", "b3");
        assertThat(count(lab.udpAnswers(VIP, 53, 6, NamespaceLab.KERNEL_CHOOSES_SOURCE)))
                .containsOnlyKeys("b1", "b2", "b3");
    }

    @Test
    void udpVipReachesEveryBackend() {
        balancer.apply(DesiredState.of(VirtualService.builder("dns")
                .vip(VIP)
                .protocol(Protocol.UDP)
                .port(53)
                .backend(backendAddress(1), UDP_PORT)
                .backend(backendAddress(2), UDP_PORT)
                .backend(backendAddress(3), UDP_PORT)
                .build()));

        Map<String, Integer> counts = count(lab.udpAnswers(VIP, 53, 30));

        assertThat(counts).containsOnlyKeys("b1", "b2", "b3");
        assertThat(counts.values()).allSatisfy(c -> assertThat(c).isEqualTo(10));
    }

    @Test
    void connectionsRoutedThroughTheNamespaceAreBalancedToo() {
        balancer.apply(DesiredState.of(web().build()));

        Map<String, Integer> counts = count(lab.routedTcpAnswers(VIP, 80, 30));

        assertThat(counts).containsOnly(Map.entry("b1", 10), Map.entry("b2", 10), Map.entry("b3", 10));
    }

    @Test
    void allPortsVipKeepsTheClientsPort() {
        balancer.apply(DesiredState.of(VirtualService.builder("any")
                .vip(VIP)
                .allPorts()
                .backend(backendAddress(2), 0)
                .build()));

        assertThat(count(lab.tcpAnswers(VIP, TCP_PORT, 5))).containsOnly(Map.entry("b2", 5));
    }

    @Test
    void drainingBackendTakesNoNewConnectionsWhileAnOpenOneKeepsWorking() {
        checkGracefulRemoval(true);
    }

    @Test
    void removedBackendTakesNoNewConnectionsWhileAnOpenOneKeepsWorking() {
        checkGracefulRemoval(false);
    }

    private void checkGracefulRemoval(boolean drain) {
        VirtualService all = web().build();
        balancer.apply(DesiredState.of(all));
        try (NamespaceLab.LongLivedConnection open = lab.openConnection(VIP, 80)) {
            String leaving = open.readLine(5);
            int index = Integer.parseInt(leaving.substring(1));
            List<Backend> backends = new ArrayList<>();
            for (Backend b : all.backends()) {
                boolean isLeaving = b.address().getHostAddress().equals(backendAddress(index));
                if (!isLeaving) {
                    backends.add(b);
                } else if (drain) {
                    backends.add(b.asDraining());
                }
            }
            balancer.apply(DesiredState.of(all.toBuilder().backends(backends).build()));

            Map<String, Integer> counts = count(lab.tcpAnswers(VIP, 80, 60));

            assertThat(counts).doesNotContainKey(leaving).doesNotContainKey("-").doesNotContainKey("refused");
            assertThat(counts).hasSize(2);
            assertThat(open.echo("still-there")).isEqualTo("still-there");
        }
    }

    @Test
    void reapplyingTheSameStateChangesNothing() {
        balancer.apply(DesiredState.of(web().build()));
        String before = rulesetWithHandles();

        balancer.apply(DesiredState.of(web().build()));

        assertThat(rulesetWithHandles()).isEqualTo(before);
        assertThat(count(lab.tcpAnswers(VIP, 80, 3))).containsOnlyKeys("b1", "b2", "b3");
    }

    @Test
    void badInputIsRefusedAndThePreviousRulesKeepWorking() {
        balancer.apply(DesiredState.of(web().build()));

        assertThatThrownBy(() -> balancer.apply(DesiredState.of(
                        web().build(),
                        VirtualService.builder("clash")
                                .vip(VIP)
                                .port(80)
                                .backend(backendAddress(1), TCP_PORT)
                                .build())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("duplicates VIP:port/protocol 100.64.0.10:80/tcp");

        assertThat(balancer.current()).isEqualTo(DesiredState.of(web().build()));
        assertThat(count(lab.tcpAnswers(VIP, 80, 30))).containsOnlyKeys("b1", "b2", "b3");
    }

    @Test
    void serviceWithoutBackendsRefusesAndCloseRemovesEverything() {
        balancer.apply(DesiredState.of(web().backends(List.of()).build()));
        // Refused at once, not left to time out against an address nobody owns.
        assertThat(lab.tcpAnswers(VIP, 80, 2)).containsExactly("refused", "refused");

        balancer.apply(DesiredState.of(web().build()));
        assertThat(count(lab.tcpAnswers(VIP, 80, 3))).containsOnlyKeys("b1", "b2", "b3");

        balancer.close();
        balancer = null;
        assertThat(lab.tcpAnswers(VIP, 80, 1)).containsExactly("-");
    }

    /** The namespace's rules in a form that changes when any rule is replaced. */
    protected abstract String rulesetWithHandles();

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
