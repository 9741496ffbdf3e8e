package io.shoal.dns.netns;

import static io.shoal.dns.testing.Fixtures.BACK;
import static io.shoal.dns.testing.Fixtures.FRONT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.dns.forward.UpstreamConfig;
import io.shoal.dns.netns.ContainerDns.Port53;
import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.server.DnsServer;
import io.shoal.dns.server.DnsServerConfig;
import io.shoal.dns.testing.Dig;
import io.shoal.dns.testing.Fixtures;
import io.shoal.dns.testing.Shell;
import io.shoal.dns.testing.Unbound;
import io.shoal.netlink.ns.NetNs;
import io.shoal.testbed.Host;
import io.shoal.testbed.Requirements;
import io.shoal.testbed.Testbed;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Shoal bound at 127.0.0.11 inside two namespaces standing for containers (made empty, {@code lo}
 * down, as {@code ip netns add} leaves them), asked by the real dig through each namespace's
 * resolv.conf. The forwarder's sockets live in a testbed host namespace ({@code h1},
 * 198.18.0.1) and reach a real unbound in a client namespace of its own (198.18.1.1) over the
 * testbed fabric. {@code front} gets Docker's random port + port 53 redirect, {@code back} binds
 * port 53 directly.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerDnsTest {
    private final String prefix =
            "sd" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
    private final String frontNs = prefix + "f";
    private final String backNs = prefix + "b";
    private final String spareNs = prefix + "x";
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Testbed testbed;
    private Unbound unbound;
    private DnsServer server;
    private ContainerDnsBinding front;
    private ContainerDnsBinding back;

    @BeforeAll
    void start() throws IOException {
        Requirements.requireRoot();
        Dig.requireDig();
        Requirements.require(DnsRedirect.isAvailable(), "nft and nsenter (apt-get install nftables)");
        testbed = Testbed.builder().hosts(1).start();
        Host node = testbed.host(1);
        Host upstream = testbed.addClient("ub");
        InetSocketAddress unboundAddress = new InetSocketAddress(upstream.address(), 53);
        unbound = Unbound.start(
                upstream.namespace(),
                unboundAddress,
                "upstream.test",
                List.of("www.upstream.test. 60 IN A 198.18.7.7", "stale.upstream.test. 1 IN A 198.18.7.8"));
        for (String ns : List.of(frontNs, backNs, spareNs)) {
            NetNs.create(ns).close();
            Path etc = Path.of("/etc/netns", ns);
            Files.createDirectories(etc);
            Files.writeString(etc.resolve("resolv.conf"), "nameserver 127.0.0.11\noptions ndots:0\n");
        }
        NetNsSocketNamespace nodeNs = NetNsSocketNamespace.openPath(NetNs.RUN_NETNS.resolve(node.namespace()));
        toClose.add(nodeNs);
        server = DnsServer.start(DnsServerConfig.defaults()
                .withUpstream(UpstreamConfig.of(List.of(unboundAddress)).withNamespace(nodeNs)));
        server.update(Fixtures.table());
        front = ContainerDns.bind(server, NetNs.RUN_NETNS.resolve(frontNs), DnsScope.of(FRONT));
        back = ContainerDns.bind(server, NetNs.RUN_NETNS.resolve(backNs), DnsScope.of(BACK), Port53.DIRECT);
    }

    @AfterAll
    void stop() throws Exception {
        try {
            closeIfSet(front);
            closeIfSet(back);
            closeIfSet(server);
            closeIfSet(unbound);
            for (AutoCloseable c : toClose) {
                c.close();
            }
        } finally {
            for (String ns : List.of(frontNs, backNs, spareNs)) {
                NetNs.deleteIfPresent(ns);
                Path etc = Path.of("/etc/netns", ns);
                Files.deleteIfExists(etc.resolve("resolv.conf"));
                Files.deleteIfExists(etc);
            }
            if (testbed != null) {
                testbed.close();
            }
        }
    }

    private static void closeIfSet(AutoCloseable c) throws Exception {
        if (c != null) {
            c.close();
        }
    }

    @Test
    @Order(1)
    void everyNameFormAnswersThroughTheContainersResolvConfOverUdpAndTcp() {
        Map<String, Set<String>> expected = new HashMap<>();
        expected.put("web", Set.of("100.64.0.2"));
        expected.put("web.front", Set.of("100.64.0.2"));
        expected.put("tasks.web", Set.of("100.64.0.3", "100.64.0.5"));
        expected.put("TASKS.Web.FRONT", Set.of("100.64.0.3", "100.64.0.5"));
        expected.put("www", Set.of("100.64.0.2"));
        expected.put("web.1.t1", Set.of("100.64.0.3"));
        expected.put("web.3.t3.front", Set.of("100.64.0.5"));
        expected.put("host-t3", Set.of("100.64.0.5"));
        expected.put("mon.node-a.m1", Set.of("100.64.0.21"));
        expected.put("api", Set.of("100.64.0.10"));
        for (String transport : List.of("+notcp", "+tcp")) {
            expected.forEach((name, ips) -> {
                Dig.Result r = Dig.askInNetns(frontNs, name, "A", transport);
                assertThat(r.status()).as(name + " " + transport).isEqualTo("NOERROR");
                assertThat(new HashSet<>(r.data())).as(name + " " + transport).isEqualTo(ips);
            });
            assertThat(Dig.askInNetns(frontNs, "2.0.64.100.in-addr.arpa", "PTR", transport)
                            .data())
                    .containsExactly("web.front.");
            assertThat(Dig.askInNetns(frontNs, "5.0.64.100.in-addr.arpa", "PTR", transport)
                            .data())
                    .containsExactly("web.3.t3.front.");
            assertThat(Dig.askInNetns(frontNs, "_http._tcp.web", "SRV", transport)
                            .data())
                    .containsExactly("0 1 80 web.front.");
            Dig.Result aaaa = Dig.askInNetns(frontNs, "web", "AAAA", transport);
            assertThat(aaaa.status()).isEqualTo("NOERROR");
            assertThat(aaaa.answers()).isEmpty();
        }
        assertThat(Dig.askInNetns(backNs, "db", "A", "+tcp").data())
                .containsExactlyInAnyOrder("100.64.1.3", "100.64.1.4");
    }

    @Test
    @Order(1)
    void hundredTaskServiceTruncatesOverUdpAndDigRetriesOverTcp() {
        Dig.Result r = Dig.askInNetns(frontNs, "big", "A");
        assertThat(r.output()).contains("Truncated, retrying in TCP mode");
        assertThat(new HashSet<>(r.data())).hasSize(Fixtures.BIG_TASKS);
    }

    @Test
    @Order(1)
    void containerOnNetworkADoesNotResolveServiceOnlyOnNetworkB() {
        assertThat(Dig.askInNetns(backNs, "db", "A").data()).containsExactlyInAnyOrder("100.64.1.3", "100.64.1.4");
        assertThat(Dig.askInNetns(backNs, "web", "A").status()).isEqualTo("NXDOMAIN");
        assertThat(Dig.askInNetns(frontNs, "db", "A").status()).isEqualTo("NXDOMAIN");
        assertThat(Dig.askInNetns(frontNs, "tasks.db", "A", "+tcp").status()).isEqualTo("NXDOMAIN");
    }

    @Test
    @Order(1)
    void redirectLeavesPort53ToTheContainer() {
        int port = front.binding().localAddress().getPort();
        assertThat(port).isNotEqualTo(53);
        assertThat(back.binding().localAddress().getPort()).isEqualTo(53);
        assertThat(Shell.run("ip", "netns", "exec", frontNs, "nft", "list", "table", "ip", DnsRedirect.TABLE))
                .contains("dnat to 127.0.0.11:" + port);
        // The container's own DNS server may still bind port 53 (here on every address).
        try (NetNsSocketNamespace ns = NetNsSocketNamespace.openPath(NetNs.RUN_NETNS.resolve(frontNs));
                DatagramChannel own = ns.open(() -> {
                    try {
                        return DatagramChannel.open().bind(new InetSocketAddress(53));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                })) {
            assertThat(((InetSocketAddress) own.getLocalAddress()).getPort()).isEqualTo(53);
            assertThat(Dig.askInNetns(frontNs, "web", "A").data()).containsExactly("100.64.0.2");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    @Order(1)
    void closingTheBindingRemovesSocketsAndRedirect() {
        ContainerDnsBinding spare = ContainerDns.bind(server, NetNs.RUN_NETNS.resolve(spareNs), DnsScope.of(FRONT));
        try {
            assertThat(Dig.askInNetns(spareNs, "web", "A").data()).containsExactly("100.64.0.2");
        } finally {
            spare.close();
        }
        assertThat(spare.binding().isOpen()).isFalse();
        assertThat(Shell.run("ip", "netns", "exec", spareNs, "nft", "list", "tables"))
                .doesNotContain(DnsRedirect.TABLE);
        assertThat(Dig.askInNetns(spareNs, "web", "A").status()).isEqualTo("NO-REPLY");
    }

    @Test
    @Order(1)
    void theHostNamespaceHasNoSocketAt127_0_0_11() {
        assertThat(Dig.ask(new InetSocketAddress("127.0.0.11", 53), "web", "A").status())
                .isNotEqualTo("NOERROR");
    }

    @Test
    @Order(2)
    void forwardedNamesComeFromUnboundInItsOwnNamespace() {
        // The container has only lo: the answer can only come through the forwarder's node socket.
        assertThat(Dig.askInNetns(frontNs, "www.upstream.test", "A").data()).containsExactly("198.18.7.7");
        assertThat(Dig.askInNetns(backNs, "WWW.upstream.test", "A", "+tcp").data())
                .containsExactly("198.18.7.7");
        assertThat(Dig.askInNetns(frontNs, "nothing.upstream.test", "A").status())
                .isEqualTo("NXDOMAIN");
        assertThat(Dig.askInNetns(frontNs, "stale.upstream.test", "A").data()).containsExactly("198.18.7.8");
    }

    @Test
    @Order(3)
    void upstreamStoppedServesCachedNamesStaleAndNewNamesServfailWithinTwoSeconds() {
        unbound.close();
        // stale.upstream.test had TTL 1: once expired, the failed refresh serves it stale (TTL 30).
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            Dig.Result r = Dig.askInNetns(frontNs, "stale.upstream.test", "A");
            assertThat(r.data()).containsExactly("198.18.7.8");
            assertThat(r.answers().get(0).ttl()).isEqualTo(30);
        });
        assertThat(Dig.askInNetns(frontNs, "www.upstream.test", "A").data()).containsExactly("198.18.7.7");
        long start = System.nanoTime();
        Dig.Result fresh = Dig.askInNetns(frontNs, "new.upstream.test", "A");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(fresh.status()).isEqualTo("SERVFAIL");
        assertThat(took).as("SERVFAIL time including dig start-up").isLessThan(Duration.ofSeconds(2));
        assertThat(Dig.askInNetns(frontNs, "web", "A").data()).containsExactly("100.64.0.2");
    }
}
