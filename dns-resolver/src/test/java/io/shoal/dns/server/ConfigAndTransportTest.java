package io.shoal.dns.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.transport.Transport;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ConfigAndTransportTest {
    @Test
    void bestTransportIsAvailableAndNioAlwaysIs() {
        assertThat(Transport.best().isAvailable()).isTrue();
        assertThat(Transport.NIO.isAvailable()).isTrue();
        Transport.best().ensureAvailability();
    }

    @Test
    void epollIsPreferredWhereItRunsBecauseItMeasuredFasterForDns() {
        if (Transport.EPOLL.isAvailable()) {
            assertThat(Transport.best()).isEqualTo(Transport.EPOLL);
            try (DnsServer server = DnsServer.start(DnsServerConfig.defaults())) {
                assertThat(server.transport()).isEqualTo(Transport.EPOLL);
            }
        } else {
            assertThat(Transport.best()).isNotEqualTo(Transport.EPOLL);
        }
    }

    @Test
    void badConfigurationNamesTheField() {
        assertThatThrownBy(() -> DnsServerConfig.defaults().withTcpIdleTimeout(Duration.ZERO))
                .hasMessageContaining("tcpIdleTimeout");
        assertThatThrownBy(() -> new io.shoal.dns.resolve.DnsTtls(Duration.ofSeconds(-1), Duration.ZERO))
                .hasMessageContaining("ttl vip");
    }

    @Test
    void bindingTheSamePortTwiceFailsWithTheAddressInTheMessage() {
        try (DnsServer server = DnsServer.start(DnsServerConfig.defaults().withTransport(Transport.NIO))) {
            DnsBinding first = server.bind(new InetSocketAddress("127.0.0.1", 0), DnsScope.of("n1"));
            assertThatThrownBy(() -> server.bind(first.localAddress(), DnsScope.of("n1")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(first.localAddress().toString());
        }
    }

    @Test
    void tcpConnectionsBeyondTheCapAreClosedAtOnce() throws Exception {
        try (DnsServer server = DnsServer.start(DnsServerConfig.defaults().withMaxTcpConnections(2))) {
            server.update(io.shoal.dns.testing.Fixtures.table());
            DnsBinding b = server.bind(new InetSocketAddress("127.0.0.1", 0), DnsScope.of("n1"));
            try (java.net.Socket one = new java.net.Socket();
                    java.net.Socket two = new java.net.Socket();
                    java.net.Socket three = new java.net.Socket()) {
                one.connect(b.localAddress(), 2000);
                two.connect(b.localAddress(), 2000);
                three.connect(b.localAddress(), 2000);
                three.setSoTimeout(3000);
                assertThat(three.getInputStream().read())
                        .as("third connection closed")
                        .isEqualTo(-1);
                // The first two still answer.
                java.io.DataOutputStream out = new java.io.DataOutputStream(one.getOutputStream());
                byte[] q = io.shoal.dns.testing.Dns.query("web", org.xbill.DNS.Type.A);
                out.writeShort(q.length);
                out.write(q);
                one.setSoTimeout(3000);
                java.io.DataInputStream in = new java.io.DataInputStream(one.getInputStream());
                byte[] reply = new byte[in.readUnsignedShort()];
                in.readFully(reply);
                assertThat(io.shoal.dns.testing.Dns.addresses(io.shoal.dns.testing.Dns.parse(reply)))
                        .containsExactly("100.64.0.2");
            }
        }
    }

    @Test
    void bindsOnIpv6LoopbackToo() {
        io.shoal.dns.testing.Dig.requireDig();
        try (DnsServer server = DnsServer.start(DnsServerConfig.defaults())) {
            server.update(io.shoal.dns.testing.Fixtures.table());
            DnsBinding b = server.bind(new InetSocketAddress("::1", 0), DnsScope.of("n1"));
            assertThat(io.shoal.dns.testing.Dig.ask(b.localAddress(), "web", "A")
                            .data())
                    .containsExactly("100.64.0.2");
            assertThat(io.shoal.dns.testing.Dig.ask(b.localAddress(), "web", "A", "+tcp")
                            .data())
                    .containsExactly("100.64.0.2");
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void withSeveralThreadsEachHasItsOwnUdpSocketOnThePortAndAllAnswer(Transport transport) throws IOException {
        assertThat(transport.isAvailable())
                .as("transport %s on this machine: %s", transport, transport.unavailabilityCause())
                .isTrue();
        for (UdpIo udpIo : UdpIo.values()) {
            try (DnsServer server = DnsServer.start(DnsServerConfig.defaults()
                    .withTransport(transport)
                    .withUdpIo(udpIo)
                    .withThreads(2))) {
                server.update(io.shoal.dns.testing.Fixtures.table());
                DnsBinding b = server.bind(new InetSocketAddress("127.0.0.1", 0), DnsScope.of("n1"));
                int port = b.localAddress().getPort();
                assertThat(b.udpSockets()).as(udpIo.toString()).isEqualTo(2);
                assertThat(kernelUdpSocketsOnPort(port))
                        .as("UDP sockets the kernel has on port %d (%s)", port, udpIo)
                        .isEqualTo(2);
                // The kernel spreads senders over the sockets by address and port: 64 clients, each
                // on its own port, reach both (a socket nobody read would leave about half of them
                // unanswered).
                byte[] q = io.shoal.dns.testing.Dns.query("web", org.xbill.DNS.Type.A);
                for (int i = 0; i < 64; i++) {
                    try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                        client.setSoTimeout(3000);
                        client.send(new DatagramPacket(q, q.length, b.localAddress()));
                        DatagramPacket reply = new DatagramPacket(new byte[512], 512);
                        client.receive(reply);
                        assertThat(io.shoal.dns.testing.Dns.addresses(io.shoal.dns.testing.Dns.parse(
                                        Arrays.copyOf(reply.getData(), reply.getLength()))))
                                .as("answer to client %d (%s)", i, udpIo)
                                .containsExactly("100.64.0.2");
                    }
                }
                b.close();
                assertThat(b.isOpen()).isFalse();
                // Java NIO closes the descriptor of a channel registered with a selector only when
                // that selector next runs (Netty's NIO transport), so the kernel may hold the
                // socket a moment after close returned.
                await().atMost(Duration.ofSeconds(2))
                        .pollInterval(Duration.ofMillis(20))
                        .untilAsserted(() -> assertThat(kernelUdpSocketsOnPort(port))
                                .as("UDP sockets left on port %d after close (%s)", port, udpIo)
                                .isZero());
            }
        }
    }

    /** Lines of /proc/net/udp and udp6 (dual-stack sockets are listed there) bound to {@code port}. */
    private static long kernelUdpSocketsOnPort(int port) throws IOException {
        String suffix = String.format(":%04X", port);
        long n = 0;
        for (String file : new String[] {"/proc/net/udp", "/proc/net/udp6"}) {
            try (var lines = Files.lines(Path.of(file))) {
                n += lines.skip(1)
                        .map(l -> l.trim().split("\\s+")[1])
                        .filter(local -> local.endsWith(suffix))
                        .count();
            }
        }
        return n;
    }

    @Test
    void closedServerRefusesNewBindingsAndClosesOldOnes() {
        DnsServer server = DnsServer.start(DnsServerConfig.defaults());
        DnsBinding b = server.bind(new InetSocketAddress("127.0.0.1", 0), DnsScope.of("n1"));
        server.close();
        assertThat(b.isOpen()).isFalse();
        assertThatThrownBy(() -> server.bind(new InetSocketAddress("127.0.0.1", 0), DnsScope.of("n1")))
                .hasMessageContaining("closed");
        server.close(); // a second close does nothing
    }
}
