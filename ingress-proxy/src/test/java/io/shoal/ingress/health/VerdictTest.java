package io.shoal.ingress.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.ingress.mesh.PortState;
import io.shoal.ingress.policy.PortKey;
import io.shoal.model.Protocol;
import io.shoal.model.PublishMode;
import io.shoal.model.TrafficPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

class VerdictTest {
    private static PortState tcp(int port, PublishMode mode, TrafficPolicy policy, boolean listening, int backends) {
        return new PortState(PortKey.tcp(port), "web", mode, policy, listening, backends, "");
    }

    @Test
    void nodeServesOnlyWhenStartedAndNotDraining() {
        assertThat(Verdict.node(true, false)).isEqualTo(new Verdict(true, "ok"));
        assertThat(Verdict.node(true, true)).isEqualTo(new Verdict(false, "draining"));
        assertThat(Verdict.node(false, false)).isEqualTo(new Verdict(false, "not started"));
    }

    @Test
    void portReasonsNameWhatIsMissing() {
        List<PortState> states = List.of(
                tcp(80, PublishMode.INGRESS, TrafficPolicy.CLUSTER, true, 2),
                tcp(81, PublishMode.INGRESS, TrafficPolicy.CLUSTER, true, 0),
                tcp(82, PublishMode.INGRESS, TrafficPolicy.LOCAL, true, 0),
                tcp(83, PublishMode.HOST, TrafficPolicy.CLUSTER, false, 0),
                new PortState(
                        PortKey.tcp(84),
                        "web",
                        PublishMode.INGRESS,
                        TrafficPolicy.CLUSTER,
                        false,
                        0,
                        "address in use"));
        assertThat(Verdict.port(true, false, 80, null, states).ok()).isTrue();
        assertThat(Verdict.port(true, false, 80, Protocol.UDP, states).reason()).isEqualTo("port not published");
        assertThat(Verdict.port(true, false, 81, null, states).reason()).isEqualTo("no backend");
        assertThat(Verdict.port(true, false, 82, null, states).reason()).isEqualTo("no ready task on this node");
        assertThat(Verdict.port(true, false, 83, Protocol.TCP, states).reason())
                .isEqualTo("no ready task on this node");
        assertThat(Verdict.port(true, false, 84, null, states).reason()).isEqualTo("not listening: address in use");
        assertThat(Verdict.port(true, true, 80, null, states).reason()).isEqualTo("draining");
        assertThat(Verdict.port(true, true, 99, null, states).reason()).isEqualTo("port not published");
        assertThat(Verdict.port(false, false, 80, null, states).reason()).isEqualTo("not started");
    }

    @Test
    void withoutAProtocolEveryProtocolOnThePortMustServe() {
        List<PortState> states = List.of(
                tcp(53, PublishMode.INGRESS, TrafficPolicy.CLUSTER, true, 1),
                new PortState(PortKey.udp(53), "dns", PublishMode.INGRESS, TrafficPolicy.CLUSTER, true, 0, ""));
        assertThat(Verdict.port(true, false, 53, Protocol.TCP, states).ok()).isTrue();
        assertThat(Verdict.port(true, false, 53, null, states)).isEqualTo(new Verdict(false, "udp: no backend"));
    }

    @Test
    void routesParseStrictly() {
        assertThat(HealthRoute.parse("/healthz").kind()).isEqualTo(HealthRoute.Kind.NODE);
        assertThat(HealthRoute.parse("/healthz/").kind()).isEqualTo(HealthRoute.Kind.NODE);
        assertThat(HealthRoute.parse("/healthz/ports/8080"))
                .isEqualTo(new HealthRoute(HealthRoute.Kind.PORT, 8080, null, ""));
        assertThat(HealthRoute.parse("/healthz/ports/53/UDP"))
                .isEqualTo(new HealthRoute(HealthRoute.Kind.PORT, 53, Protocol.UDP, ""));
        assertThat(HealthRoute.parse("/healthz/ports/0").error()).isEqualTo("port: '0' is not a number in 1..65535");
        assertThat(HealthRoute.parse("/healthz/ports/").kind()).isEqualTo(HealthRoute.Kind.NOT_FOUND);
        assertThat(HealthRoute.parse("/healthz/ports/x/tcp").kind()).isEqualTo(HealthRoute.Kind.BAD);
        assertThat(HealthRoute.parse("/healthzz").kind()).isEqualTo(HealthRoute.Kind.NOT_FOUND);
        assertThat(HealthRoute.parse("/healthz/ports/1/tcp/x").kind()).isEqualTo(HealthRoute.Kind.NOT_FOUND);
    }
}
