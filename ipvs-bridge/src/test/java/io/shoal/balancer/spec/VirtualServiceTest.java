package io.shoal.balancer.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class VirtualServiceTest {
    private static VirtualService.Builder web() {
        return VirtualService.builder("web").vip("100.64.0.10").port(80).backend("198.18.0.11", 8080);
    }

    @Test
    void defaultsToTcpRoundRobinWithoutAffinity() {
        VirtualService s = web().build();
        assertThat(s.protocol()).isEqualTo(Protocol.TCP);
        assertThat(s.algorithm()).isEqualTo(Algorithm.ROUND_ROBIN);
        assertThat(s.affinityTimeout()).isEmpty();
        assertThat(s.key()).hasToString("100.64.0.10:80/tcp");
    }

    @Test
    void emptyNameIsRefusedNamingTheField() {
        assertThatThrownBy(() ->
                        VirtualService.builder("").vip("100.64.0.10").port(80).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name must not be empty");
    }

    @Test
    void nameWithSpacesOrQuotesIsRefused() {
        assertThatThrownBy(() -> VirtualService.builder("we\"b")
                        .vip("100.64.0.10")
                        .port(80)
                        .build())
                .hasMessageContaining("name must be 1..63 characters");
    }

    @Test
    void portZeroIsRefusedAndPointsToAllPorts() {
        assertThatThrownBy(() -> VirtualService.builder("web").port(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port must be 1..65535, was 0")
                .hasMessageContaining("allPorts()");
    }

    @Test
    void portAboveRangeIsRefused() {
        assertThatThrownBy(() -> VirtualService.builder("web").port(65536)).hasMessageContaining("was 65536");
    }

    @Test
    void missingPortIsRefused() {
        assertThatThrownBy(
                        () -> VirtualService.builder("web").vip("100.64.0.10").build())
                .hasMessageContaining("port must be set for service web");
    }

    @Test
    void hostnameAsVipIsRefusedWithoutDnsLookup() {
        assertThatThrownBy(() -> VirtualService.builder("web").vip("example.org"))
                .hasMessageContaining("vip must be an IPv4 or IPv6 literal, was 'example.org'");
    }

    @Test
    void loopbackVipIsRefused() {
        assertThatThrownBy(() ->
                        VirtualService.builder("web").vip("127.0.0.1").port(80).build())
                .hasMessageContaining("vip must be a unicast, non-loopback address");
    }

    @Test
    void backendOfTheOtherFamilyIsRefusedNamingItsIndex() {
        assertThatThrownBy(() -> web().backend("2001:db8::1", 8080).build())
                .hasMessageContaining("backends[1].address 2001:db8:0:0:0:0:0:1 is IPv6 but vip 100.64.0.10 is IPv4");
    }

    @Test
    void duplicateBackendIsRefused() {
        assertThatThrownBy(() -> web().backend("198.18.0.11", 8080).build())
                .hasMessageContaining("backends[1] duplicates backends[0] (198.18.0.11:8080)");
    }

    @Test
    void backendPortZeroOnlyForAllPortsServices() {
        assertThatThrownBy(() -> web().backend("198.18.0.12", 0).build())
                .hasMessageContaining("backends[1].port must be 1..65535");
        assertThatThrownBy(() -> VirtualService.builder("any")
                        .vip("100.64.0.10")
                        .allPorts()
                        .backend("198.18.0.12", 80)
                        .build())
                .hasMessageContaining("backends[0].port must be 0 for all-ports service any");
        VirtualService any = VirtualService.builder("any")
                .vip("100.64.0.10")
                .allPorts()
                .backend("198.18.0.12", 0)
                .build();
        assertThat(any.allPorts()).isTrue();
        assertThat(any.key()).hasToString("100.64.0.10:*/tcp");
    }

    @Test
    void negativeWeightIsRefusedNamingTheField() {
        assertThatThrownBy(() -> Backend.of("198.18.0.11", 80).withWeight(-1))
                .hasMessageContaining("backend.weight must be 0..10000, was -1");
    }

    @Test
    void affinityTimeoutOnlyWithSourceAffinity() {
        assertThat(web().algorithm(Algorithm.SOURCE_AFFINITY).build().affinityTimeout())
                .contains(VirtualService.DEFAULT_AFFINITY_TIMEOUT);
        assertThat(web().sourceAffinity(Duration.ofSeconds(60)).build().affinityTimeout())
                .contains(Duration.ofSeconds(60));
        assertThatThrownBy(() -> web().sourceAffinity(Duration.ofMillis(1500)).build())
                .hasMessageContaining("affinityTimeout must be whole seconds");
    }

    @Test
    void inactiveBackendsAreKeptButNotActive() {
        VirtualService s = web().backend(Backend.of("198.18.0.12", 8080).asDraining())
                .backend(Backend.of("198.18.0.13", 8080).withWeight(0))
                .build();
        assertThat(s.backends()).hasSize(3);
        assertThat(s.activeBackends()).extracting(Backend::endpoint).containsExactly("198.18.0.11:8080");
    }

    @Test
    void equalWhenEveryFieldIsEqual() {
        assertThat(web().build()).isEqualTo(web().build()).hasSameHashCodeAs(web().build());
        assertThat(web().build())
                .isNotEqualTo(web().backend("198.18.0.12", 8080).build());
        assertThat(web().build().toBuilder().build()).isEqualTo(web().build());
    }
}
