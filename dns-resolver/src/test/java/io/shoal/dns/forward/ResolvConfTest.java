package io.shoal.dns.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResolvConfTest {
    @Test
    void loopbackNameserversAreSkippedOthersKeptInOrder() {
        List<InetSocketAddress> servers = ResolvConf.parse(List.of(
                "# written by the test",
                "search example.test",
                "nameserver 127.0.0.53",
                "nameserver 198.18.0.1",
                "  nameserver   198.18.0.2  # second",
                "nameserver ::1",
                "options ndots:0"));
        assertThat(servers)
                .extracting(a -> a.getAddress().getHostAddress() + ":" + a.getPort())
                .containsExactly("198.18.0.1:53", "198.18.0.2:53");
    }

    @Test
    void hostnameAsNameserverIsAnErrorNamingTheLine() {
        assertThatThrownBy(() -> ResolvConf.parse(List.of("options x", "nameserver dns.example.test")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 2")
                .hasMessageContaining("dns.example.test");
    }

    @Test
    void upstreamConfigChecksItsFields() {
        assertThatThrownBy(() -> UpstreamConfig.of(List.of())
                        .withTimeouts(java.time.Duration.ZERO, java.time.Duration.ofSeconds(1)))
                .hasMessageContaining("attemptTimeout");
    }
}
