package io.shoal.balancer.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BalancerOptionsTest {
    @Test
    void defaultsAreTheDocumentedOnes() {
        BalancerOptions o = BalancerOptions.defaults();
        assertThat(o.tcpIdleTimeout()).isEqualTo(Duration.ofSeconds(86_400));
        assertThat(o.udpIdleTimeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(o.drainTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.consistentHashTableSize()).isEqualTo(251);
    }

    @Test
    void serviceIdleTimeoutOverridesTheProtocolDefault() {
        BalancerOptions o = BalancerOptions.defaults();
        VirtualService tcp =
                VirtualService.builder("t").vip("100.64.0.1").port(80).build();
        VirtualService udp = tcp.toBuilder().protocol(Protocol.UDP).build();
        VirtualService own =
                tcp.toBuilder().idleTimeout(Duration.ofSeconds(600)).build();
        assertThat(o.idleTimeoutFor(tcp)).isEqualTo(o.tcpIdleTimeout());
        assertThat(o.idleTimeoutFor(udp)).isEqualTo(o.udpIdleTimeout());
        assertThat(o.idleTimeoutFor(own)).isEqualTo(Duration.ofSeconds(600));
    }

    @Test
    void badValuesAreRefusedNamingTheField() {
        BalancerOptions o = BalancerOptions.defaults();
        assertThatThrownBy(() -> o.withTcpIdleTimeout(Duration.ZERO)).hasMessageContaining("tcpIdleTimeout");
        assertThatThrownBy(() -> o.withUdpIdleTimeout(Duration.ofMillis(10))).hasMessageContaining("udpIdleTimeout");
        assertThatThrownBy(() -> o.withDrainTimeout(Duration.ofSeconds(-1))).hasMessageContaining("drainTimeout");
        assertThatThrownBy(() -> o.withConsistentHashTableSize(256))
                .hasMessageContaining("consistentHashTableSize must be a prime in 7..65537, was 256");
        assertThat(o.withConsistentHashTableSize(65_537).consistentHashTableSize())
                .isEqualTo(65_537);
    }
}
