package io.shoal.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.route.Link;
import io.shoal.netlink.route.RouteNetlink;
import java.net.Inet4Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("integration")
class TestbedIntegrationTest {
    private static final int PORT = 7000;
    private static final Duration SHORT = Duration.ofSeconds(1);

    private Testbed testbed;

    @BeforeEach
    void startTestbed() {
        Requirements.requireRoot();
        Requirements.require(Files.isExecutable(Path.of("/usr/bin/socat")), "socat (apt-get install socat)");
        testbed = Testbed.builder().hosts(3).start();
    }

    @AfterEach
    void closeTestbed() {
        if (testbed != null) {
            testbed.close();
        }
    }

    @Test
    void everyHostReachesEveryOtherHostOverTheFabric() {
        for (Host h : testbed.hosts()) {
            startEchoServer(h);
        }
        for (Host from : testbed.hosts()) {
            for (Host to : testbed.hosts()) {
                if (from == to) {
                    continue;
                }
                String payload = "from " + from.name() + " to " + to.name() + "\n";
                ExecResult r = TcpEcho.send(from, to.address(), PORT, payload, Duration.ofSeconds(3));
                assertThat(r.exitCode())
                        .as("%s -> %s: %s", from, to, r.stderr())
                        .isZero();
                assertThat(r.stdout()).as("%s -> %s echo", from, to).isEqualTo(payload);
            }
        }
    }

    @Test
    void hostsHaveTheirPlannedAddressOnTheirOwnLinkOnly() {
        Host h2 = testbed.host(2);
        assertThat(h2.namespace()).isEqualTo(testbed.prefix() + "-h2");
        try (NetNs ns = NetNs.open(h2.namespace());
                RouteNetlink rt = RouteNetlink.open(ns)) {
            Map<Integer, Link> links = rt.links().list().stream().collect(Collectors.toMap(Link::index, l -> l));
            assertThat(links.values()).extracting(Link::name).containsExactlyInAnyOrder("lo", "eth0");
            assertThat(links.values()).allMatch(Link::isUp, "up");
            assertThat(rt.links().require("eth0").kind()).hasValue("veth");
            List<String> v4 = rt.addresses().list().stream()
                    .filter(a -> a.address() instanceof Inet4Address)
                    .map(a -> links.get(a.index()).name() + " " + a.address().getHostAddress() + "/" + a.prefixLength())
                    .toList();
            assertThat(v4).containsExactlyInAnyOrder("eth0 198.18.0.2/16", "lo 127.0.0.1/8");
        }
    }

    @Test
    void fabricNamespaceHoldsTheBridgeWithEveryMembersVethEnslavedAndUp() {
        Host lb = testbed.addClient("lb");
        try (NetNs ns = NetNs.open(testbed.prefix().fabricNamespace());
                RouteNetlink rt = RouteNetlink.open(ns)) {
            Link bridge = rt.links().require(testbed.prefix().bridge());
            assertThat(bridge.kind()).hasValue("bridge");
            assertThat(bridge.isUp()).isTrue();
            List<Link> ports = rt.links().list().stream()
                    .filter(l -> l.masterIndex() == bridge.index())
                    .toList();
            assertThat(ports)
                    .extracting(Link::name)
                    .containsExactlyInAnyOrder(
                            testbed.host(1).fabricLink(),
                            testbed.host(2).fabricLink(),
                            testbed.host(3).fabricLink(),
                            lb.fabricLink());
            assertThat(ports).allMatch(l -> l.kind().equals(Optional.of("veth")) && l.isUp(), "up veths");
        }
    }

    @Test
    void cutOffHostBecomesUnreachableAndIsReachableAgainAfterHeal() {
        Host h1 = testbed.host(1);
        Host h3 = testbed.host(3);
        startEchoServer(h3);
        assertThat(TcpEcho.send(h1, h3.address(), PORT, "before\n", SHORT).stdout())
                .isEqualTo("before\n");

        h3.cutOff();

        assertThat(h3.isCutOff()).isTrue();
        ExecResult cut = TcpEcho.send(h1, h3.address(), PORT, "during\n", SHORT);
        assertThat(cut.exitCode()).as("connect to a cut-off host must fail").isNotZero();
        assertThat(cut.stdout()).isEmpty();
        // The cut host cannot reach out either.
        assertThat(TcpEcho.send(h3, testbed.host(2).address(), PORT, "out\n", SHORT)
                        .ok())
                .isFalse();

        h3.heal();

        assertThat(h3.isCutOff()).isFalse();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(
                        TcpEcho.send(h1, h3.address(), PORT, "after\n", SHORT).stdout())
                .isEqualTo("after\n"));
    }

    @Test
    void clientOnTheFabricReachesHostsFromItsOwnAddress() {
        Host lb = testbed.addClient("lb");
        assertThat(lb.namespace()).isEqualTo(testbed.prefix() + "-lb");
        assertThat(lb.address().getHostAddress()).isEqualTo("198.18.1.1");
        Host h2 = testbed.host(2);
        HostProcess server = h2.start("socat", "TCP-LISTEN:" + PORT + ",reuseaddr", "SYSTEM:echo $SOCAT_PEERADDR");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> h2.listeningTcpPorts().contains(PORT));

        ExecResult r = TcpEcho.send(lb, h2.address(), PORT, "", Duration.ofSeconds(3));

        assertThat(r.stdout().strip()).as("source address seen by the host").isEqualTo("198.18.1.1");
        assertThat(server.waitFor(Duration.ofSeconds(5))).hasValue(0);
    }

    @Test
    void pausedProcessStopsAnsweringAndAnswersAgainAfterResume() {
        Host h1 = testbed.host(1);
        HostProcess server = startEchoServer(testbed.host(2));

        server.pause();

        assertThat(server.isPaused()).isTrue();
        assertThat(server.isAlive()).isTrue();
        // The kernel still completes the handshake for a stopped listener, but no echo comes back.
        ExecResult paused = TcpEcho.send(h1, testbed.host(2).address(), PORT, "hello?\n", SHORT);
        assertThat(paused.stdout()).isEmpty();

        server.resume();

        assertThat(server.isPaused()).isFalse();
        assertThat(TcpEcho.send(h1, testbed.host(2).address(), PORT, "back\n", SHORT)
                        .stdout())
                .isEqualTo("back\n");
    }

    @Test
    void killedProcessIsGoneAndItsPortRefusesConnections() {
        Host h2 = testbed.host(2);
        HostProcess server = startEchoServer(h2);

        server.kill();

        assertThat(server.isAlive()).isFalse();
        assertThat(Namespaces.pidsIn(testbed.namespaceInodes().get(h2.namespace())))
                .doesNotContain(server.pid());
        assertThat(h2.listeningTcpPorts()).doesNotContain(PORT);
        ExecResult r = TcpEcho.send(testbed.host(1), h2.address(), PORT, "anyone?\n", SHORT);
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr()).contains("Connection refused");
    }

    @Test
    void closeLeavesNoNamespaceLinkOrProcessOfTheRun() throws Exception {
        String prefix = testbed.prefix().value();
        for (Host h : testbed.hosts()) {
            startEchoServer(h);
        }
        // A process that leaves the tree the testbed started (a daemon) must be found too.
        testbed.host(1).exec("sh", "-c", "setsid sleep 300 >/dev/null 2>&1 &").requireOk();
        List<Long> inodes = new ArrayList<>(testbed.namespaceInodes().values());
        assertThat(inodes).hasSize(4);
        assertThat(netnsNames()).filteredOn(n -> n.startsWith(prefix + "-")).hasSize(4);
        assertThat(inodes.stream().mapToLong(i -> Namespaces.pidsIn(i).size()).sum())
                .isEqualTo(4);

        testbed.close();

        assertThat(netnsNames()).noneMatch(n -> n.startsWith(prefix));
        List<String> rootLinks = rootLinkNames();
        assertThat(rootLinks).contains("lo").noneMatch(n -> n.startsWith(prefix));
        for (long inode : inodes) {
            assertThat(Namespaces.pidsIn(inode))
                    .as("processes in namespace inode %d", inode)
                    .isEmpty();
        }
        assertThat(RunRecord.runDir(RunRecord.DEFAULT_STATE_DIR, testbed.prefix()))
                .doesNotExist();
        assertThat(testbed.leftovers().isEmpty()).isTrue();
    }

    /** Links of the namespace this JVM runs in, asked of the kernel here rather than through the testbed. */
    private static List<String> rootLinkNames() {
        try (RouteNetlink rt = RouteNetlink.open()) {
            return rt.links().list().stream().map(Link::name).toList();
        }
    }

    private static List<String> netnsNames() throws Exception {
        Path dir = Path.of("/run/netns");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static HostProcess startEchoServer(Host h) {
        HostProcess p = TcpEcho.startServer(h, PORT);
        await().atMost(Duration.ofSeconds(10)).until(() -> h.listeningTcpPorts().contains(PORT));
        return p;
    }
}
