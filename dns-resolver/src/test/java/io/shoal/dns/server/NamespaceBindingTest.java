package io.shoal.dns.server;

import static io.shoal.dns.testing.Fixtures.BACK;
import static io.shoal.dns.testing.Fixtures.FRONT;
import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.dns.forward.UpstreamConfig;
import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.testing.Dig;
import io.shoal.dns.testing.Fixtures;
import io.shoal.dns.testing.Ports;
import io.shoal.dns.testing.SetnsNamespace;
import io.shoal.dns.testing.Shell;
import io.shoal.dns.testing.Unbound;
import io.shoal.dns.transport.Transport;
import io.shoal.testbed.Requirements;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The server bound at 127.0.0.11:53 inside two network namespaces standing for containers, asked
 * by the real dig through each namespace's resolv.conf, while the forwarder stays in the host
 * namespace and reaches an unbound on the host's loopback. The namespace binding here is a
 * test-only setns; the agent will use the netlink module's NetNs through the same
 * {@link io.shoal.dns.transport.SocketNamespace} hook.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NamespaceBindingTest {
    private final String prefix =
            "sd" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
    private final String frontNs = prefix + "f";
    private final String backNs = prefix + "b";
    private Unbound unbound;
    private DnsServer server;

    @BeforeAll
    void start() throws IOException {
        Requirements.requireRoot();
        Requirements.require(
                Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")),
                "the ip command (iproute2)");
        Dig.requireDig();
        unbound = Unbound.start(
                Ports.free("127.0.0.1"), "upstream.test", List.of("www.upstream.test. 60 IN A 198.18.7.7"));
        for (String ns : List.of(frontNs, backNs)) {
            Shell.run("ip", "netns", "add", ns);
            Shell.run("ip", "-n", ns, "link", "set", "lo", "up");
            Path etc = Path.of("/etc/netns", ns);
            Files.createDirectories(etc);
            Files.writeString(etc.resolve("resolv.conf"), "nameserver 127.0.0.11\noptions ndots:0\n");
        }
        server = DnsServer.start(DnsServerConfig.defaults()
                .withTransport(Transport.best())
                .withUpstream(UpstreamConfig.of(List.of(unbound.address()))));
        server.update(Fixtures.table());
        InetSocketAddress dns = new InetSocketAddress("127.0.0.11", 53);
        server.bind(dns, DnsScope.of(FRONT), new SetnsNamespace(frontNs));
        server.bind(dns, DnsScope.of(BACK), new SetnsNamespace(backNs));
    }

    @AfterAll
    void stop() throws IOException {
        try {
            if (server != null) {
                server.close();
            }
            if (unbound != null) {
                unbound.close();
            }
        } finally {
            for (String ns : List.of(frontNs, backNs)) {
                Shell.quietly("ip", "netns", "del", ns);
                Path etc = Path.of("/etc/netns", ns);
                Files.deleteIfExists(etc.resolve("resolv.conf"));
                Files.deleteIfExists(etc);
            }
        }
    }

    @Test
    void containerResolvesServiceNamesThroughItsResolvConfOverUdpAndTcp() {
        assertThat(Dig.askInNetns(frontNs, "web", "A").data()).containsExactly("100.64.0.2");
        assertThat(Dig.askInNetns(frontNs, "tasks.web", "A", "+tcp").data())
                .containsExactlyInAnyOrder("100.64.0.3", "100.64.0.5");
        assertThat(Dig.askInNetns(frontNs, "2.0.64.100.in-addr.arpa", "PTR").data())
                .containsExactly("web.front.");
    }

    @Test
    void bigServiceTruncatesOverUdpAndDigRetriesOverTcp() {
        Dig.Result r = Dig.askInNetns(frontNs, "big", "A");
        assertThat(r.output()).contains("Truncated, retrying in TCP mode");
        assertThat(new HashSet<>(r.data())).hasSize(Fixtures.BIG_TASKS);
    }

    @Test
    void eachContainerSeesOnlyItsNetworks() {
        assertThat(Dig.askInNetns(backNs, "db", "A").data()).containsExactlyInAnyOrder("100.64.1.3", "100.64.1.4");
        assertThat(Dig.askInNetns(backNs, "web", "A").status()).isEqualTo("NXDOMAIN");
        assertThat(Dig.askInNetns(frontNs, "db", "A").status()).isEqualTo("NXDOMAIN");
    }

    @Test
    void forwardedNamesLeaveThroughTheHostNamespace() {
        // The container's namespace has only lo: the answer can only come via the forwarder's host socket.
        assertThat(Dig.askInNetns(frontNs, "www.upstream.test", "A").data()).containsExactly("198.18.7.7");
    }

    @Test
    void theHostNamespaceHasNoSocketAt127_0_0_11() {
        assertThat(Dig.ask(new InetSocketAddress("127.0.0.11", 53), "web", "A").status())
                .isNotEqualTo("NOERROR");
    }
}
