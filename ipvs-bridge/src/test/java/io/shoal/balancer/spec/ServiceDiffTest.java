package io.shoal.balancer.spec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServiceDiffTest {
    private static VirtualService svc(String name, String vip, String... backends) {
        VirtualService.Builder b = VirtualService.builder(name).vip(vip).port(80);
        for (String be : backends) {
            b.backend(be, 8080);
        }
        return b.build();
    }

    @Test
    void sameStateGivesAnEmptyDiff() {
        DesiredState s = DesiredState.of(svc("a", "100.64.0.1", "198.18.0.11"));
        assertThat(ServiceDiff.between(s, DesiredState.of(svc("a", "100.64.0.1", "198.18.0.11")))
                        .isEmpty())
                .isTrue();
    }

    @Test
    void sortsServicesIntoAddedRemovedAndChanged() {
        VirtualService keep = svc("keep", "100.64.0.1", "198.18.0.11");
        VirtualService gone = svc("gone", "100.64.0.2", "198.18.0.11");
        VirtualService before = svc("moved", "100.64.0.3", "198.18.0.11");
        VirtualService after = svc("moved", "100.64.0.3", "198.18.0.11", "198.18.0.12");
        VirtualService fresh = svc("fresh", "100.64.0.4", "198.18.0.13");

        ServiceDiff d = ServiceDiff.between(DesiredState.of(keep, gone, before), DesiredState.of(keep, after, fresh));

        assertThat(d.added()).containsExactly(fresh);
        assertThat(d.removed()).containsExactly(gone);
        assertThat(d.changed()).containsExactly(new ServiceDiff.Change(before, after));
        assertThat(d).hasToString("+1 -1 ~1");
    }

    @Test
    void drainingABackendIsAChange() {
        VirtualService before = svc("a", "100.64.0.1", "198.18.0.11", "198.18.0.12");
        VirtualService after = before.toBuilder()
                .backends(java.util.List.of(
                        before.backends().get(0), before.backends().get(1).asDraining()))
                .build();
        assertThat(ServiceDiff.between(DesiredState.of(before), DesiredState.of(after))
                        .changed())
                .hasSize(1);
    }
}
