package io.shoal.balancer.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DesiredStateTest {
    private static VirtualService svc(String name, String vip, Protocol p, int port) {
        return VirtualService.builder(name)
                .vip(vip)
                .protocol(p)
                .port(port)
                .backend("198.18.0.11", 8080)
                .build();
    }

    @Test
    void duplicateVipPortProtocolIsRefusedNamingBothServices() {
        assertThatThrownBy(() -> DesiredState.of(
                        svc("a", "100.64.0.10", Protocol.TCP, 80), svc("b", "100.64.0.10", Protocol.TCP, 80)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("services[1] duplicates VIP:port/protocol 100.64.0.10:80/tcp")
                .hasMessageContaining("services a and b");
    }

    @Test
    void sameVipAndPortWithOtherProtocolIsAnotherService() {
        DesiredState s =
                DesiredState.of(svc("a", "100.64.0.10", Protocol.TCP, 53), svc("b", "100.64.0.10", Protocol.UDP, 53));
        assertThat(s.size()).isEqualTo(2);
    }

    @Test
    void duplicateNameIsRefused() {
        assertThatThrownBy(() -> DesiredState.of(
                        svc("a", "100.64.0.10", Protocol.TCP, 80), svc("a", "100.64.0.11", Protocol.TCP, 80)))
                .hasMessageContaining("services[1] duplicates name a");
    }

    @Test
    void servicesComeOutInKeyOrderWhateverTheInputOrder() {
        DesiredState s = DesiredState.of(
                svc("c", "100.64.1.1", Protocol.TCP, 80),
                svc("a", "100.64.0.2", Protocol.TCP, 80),
                svc("b", "100.64.0.10", Protocol.TCP, 80));
        assertThat(s.services()).extracting(VirtualService::name).containsExactly("a", "b", "c");
    }

    @Test
    void withReplacesTheServiceOfTheSameKey() {
        DesiredState s = DesiredState.of(svc("a", "100.64.0.10", Protocol.TCP, 80));
        VirtualService changed = s.services().iterator().next().toBuilder()
                .backend("198.18.0.12", 8080)
                .build();
        assertThat(s.with(changed).services()).containsExactly(changed);
    }
}
