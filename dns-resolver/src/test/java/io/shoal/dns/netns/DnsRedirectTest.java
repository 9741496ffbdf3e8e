package io.shoal.dns.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DnsRedirectTest {
    @Test
    void rulesetReplacesItsOwnTableAndDnatsUdpAndTcpPort53ToTheBoundPort() {
        String script = DnsRedirect.ruleset(ContainerDns.ADDRESS, 41234);
        assertThat(script.lines().limit(2)).containsExactly("table ip shoal_dns", "delete table ip shoal_dns");
        assertThat(script)
                .contains("type nat hook output priority -100;")
                .contains("ip daddr 127.0.0.11 udp dport 53 dnat to 127.0.0.11:41234")
                .contains("ip daddr 127.0.0.11 tcp dport 53 dnat to 127.0.0.11:41234");
    }

    @Test
    void badPortsAreRefusedNamingThePort() {
        assertThatThrownBy(() -> DnsRedirect.ruleset(ContainerDns.ADDRESS, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port");
        assertThatThrownBy(() -> DnsRedirect.ruleset(ContainerDns.ADDRESS, 53)).hasMessageContaining("not 53");
        assertThatThrownBy(() -> DnsRedirect.ruleset(ContainerDns.ADDRESS, 65536))
                .hasMessageContaining("got 65536");
        assertThatThrownBy(() -> DnsRedirect.ruleset(null, 5353)).hasMessageContaining("address");
    }

    @Test
    void bindRefusesMissingArgumentsBeforeTouchingAnything() {
        assertThatThrownBy(() -> ContainerDns.bind(null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("netns");
        assertThatThrownBy(() -> NetNsSocketNamespace.openPath(null)).hasMessageContaining("netns path");
    }
}
