package io.shoal.dns.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.transport.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConfigAndTransportTest {
    @Test
    void bestTransportIsAvailableAndNioAlwaysIs() {
        assertThat(Transport.best().isAvailable()).isTrue();
        assertThat(Transport.NIO.isAvailable()).isTrue();
        Transport.best().ensureAvailability();
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
