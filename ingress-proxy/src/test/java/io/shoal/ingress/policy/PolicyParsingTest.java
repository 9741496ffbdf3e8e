package io.shoal.ingress.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.ingress.balance.BalanceMode;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PolicyParsingTest {
    @Test
    void cidrContainsOnlyAddressesInItsPrefix() throws Exception {
        Cidr c = Cidr.parse("198.18.4.0/22");
        assertThat(c.contains(InetAddress.getByName("198.18.7.255"))).isTrue();
        assertThat(c.contains(InetAddress.getByName("198.18.8.0"))).isFalse();
        assertThat(c.contains(InetAddress.getByName("::1"))).isFalse();
        assertThat(Cidr.parse("198.18.0.9").contains(InetAddress.getByName("198.18.0.9")))
                .isTrue();
        assertThat(Cidr.parse("0.0.0.0/0").contains(InetAddress.getByName("100.64.1.1")))
                .isTrue();
        assertThat(Cidr.parse("fd00::/8").contains(InetAddress.getByName("fd12::1")))
                .isTrue();
    }

    @Test
    void badCidrNamesWhatIsWrong() {
        assertThatThrownBy(() -> Cidr.parse("198.18.0.0/33")).hasMessageContaining("prefix length 33");
        assertThatThrownBy(() -> Cidr.parse("example.org/8")).hasMessageContaining("literal IP");
        assertThatThrownBy(() -> Cidr.parse("198.18.0.0/x")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> Cidr.parse("")).hasMessageContaining("address/length");
    }

    @Test
    void policyChecksNameTheField() {
        assertThatThrownBy(() -> PortPolicy.DEFAULT.withConnectTimeout(Duration.ZERO))
                .hasMessageStartingWith("connectTimeout");
        assertThatThrownBy(() -> PortPolicy.DEFAULT.withDrainTimeout(Duration.ofSeconds(-1)))
                .hasMessageStartingWith("drainTimeout");
        assertThatThrownBy(() -> BalanceMode.parse("random"))
                .hasMessageContaining("round_robin, least_connections, maglev");
        assertThatThrownBy(() -> ProxyProtocol.parse("v3")).hasMessageContaining("none, v1, v2");
        assertThatThrownBy(() -> PortKey.tcp(0)).hasMessageContaining("published port: 0");
        assertThat(BalanceMode.parse("least-connections")).isEqualTo(BalanceMode.LEAST_CONNECTIONS);
    }

    @Test
    void trustIsDecidedByTheAllowList() throws Exception {
        PortPolicy p = PortPolicy.DEFAULT.withTrustedProxies(java.util.List.of(Cidr.parse("198.18.9.0/24")));
        assertThat(p.acceptsProxyProtocol()).isTrue();
        assertThat(p.trusts(InetAddress.getByName("198.18.9.7"))).isTrue();
        assertThat(p.trusts(InetAddress.getByName("198.18.10.7"))).isFalse();
        assertThat(PortPolicy.DEFAULT.acceptsProxyProtocol()).isFalse();
    }
}
