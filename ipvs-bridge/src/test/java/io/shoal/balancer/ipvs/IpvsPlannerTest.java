package io.shoal.balancer.ipvs;

import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.balancer.spec.Algorithm;
import io.shoal.balancer.spec.Backend;
import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.VirtualService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The plan from a kernel dump to a desired state, checked by applying it to an in-memory table
 * with the kernel's rules ({@link IpvsTableEditor}).
 */
class IpvsPlannerTest {
    private static final IpvsConfig KERNEL_DEFAULTS = new IpvsConfig(900, 120, 300);
    private static final IpvsConfig KEEP = new IpvsConfig(0, 0, 0);
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration DRAIN = Duration.ofSeconds(30);

    private static VirtualService web(int... backendHosts) {
        VirtualService.Builder b =
                VirtualService.builder("web").vip("100.64.0.10").port(80);
        for (int h : backendHosts) {
            b.backend("198.18.0." + h, 8080);
        }
        return b.build();
    }

    private static IpvsPlanner.Plan plan(IpvsTable actual, IpvsTable desired) {
        return IpvsPlanner.plan(actual, KERNEL_DEFAULTS, desired, KEEP, Map.of(), NOW, DRAIN);
    }

    private static IpvsTable applied(IpvsTable actual, IpvsPlanner.Plan plan) {
        IpvsTableEditor editor = new IpvsTableEditor(actual, KERNEL_DEFAULTS);
        IpvsTransaction.run(plan.changes(), editor, "test");
        return editor.table();
    }

    @Test
    void fromNothingEveryServiceIsAddedWithItsDestinations() {
        IpvsTable desired = IpvsMapping.table(DesiredState.of(web(11, 12, 13)));

        IpvsPlanner.Plan p = plan(IpvsTable.empty(), desired);

        assertThat(p.changes()).singleElement().isInstanceOf(IpvsChange.AddService.class);
        assertThat(applied(IpvsTable.empty(), p)).isEqualTo(desired);
    }

    @Test
    void sameStateAgainPlansNothing() {
        IpvsTable desired = IpvsMapping.table(DesiredState.of(web(11, 12, 13)));

        assertThat(plan(desired, desired).changes()).isEmpty();
    }

    @Test
    void removedBackendIsQuiescedThenDeletedAfterTheDrainTimeout() {
        IpvsTable before = IpvsMapping.table(DesiredState.of(web(11, 12, 13)));
        IpvsTable after = IpvsMapping.table(DesiredState.of(web(11, 12)));

        IpvsPlanner.Plan first = plan(before, after);
        IpvsTable draining = applied(before, first);
        IpvsPlanner.Plan early =
                IpvsPlanner.plan(draining, KERNEL_DEFAULTS, after, KEEP, first.leaving(), NOW.plusSeconds(29), DRAIN);
        IpvsPlanner.Plan due =
                IpvsPlanner.plan(draining, KERNEL_DEFAULTS, after, KEEP, first.leaving(), NOW.plusSeconds(30), DRAIN);

        assertThat(first.changes()).singleElement().isInstanceOf(IpvsChange.EditDest.class);
        assertThat(draining.entries().values().iterator().next().destinations().values())
                .extracting(IpvsDestination::weight)
                .containsExactly(1, 1, 0);
        assertThat(first.nextDeadline()).contains(NOW.plus(DRAIN));
        assertThat(early.changes()).isEmpty();
        assertThat(early.leaving()).isEqualTo(first.leaving());
        assertThat(due.changes()).singleElement().isInstanceOf(IpvsChange.DeleteDest.class);
        assertThat(due.leaving()).isEmpty();
        assertThat(applied(draining, due)).isEqualTo(after);
    }

    @Test
    void zeroDrainDeletesAtOnce() {
        IpvsTable before = IpvsMapping.table(DesiredState.of(web(11, 12, 13)));
        IpvsTable after = IpvsMapping.table(DesiredState.of(web(11, 12)));

        IpvsPlanner.Plan p = IpvsPlanner.plan(before, KERNEL_DEFAULTS, after, KEEP, Map.of(), NOW, Duration.ZERO);

        assertThat(p.changes()).singleElement().isInstanceOf(IpvsChange.DeleteDest.class);
        assertThat(applied(before, p)).isEqualTo(after);
    }

    @Test
    void backendThatComesBackWhileDrainingGetsItsWeightAgain() {
        IpvsTable before = IpvsMapping.table(DesiredState.of(web(11, 12, 13)));
        IpvsPlanner.Plan drain = plan(before, IpvsMapping.table(DesiredState.of(web(11, 12))));
        IpvsTable draining = applied(before, drain);

        IpvsPlanner.Plan back =
                IpvsPlanner.plan(draining, KERNEL_DEFAULTS, before, KEEP, drain.leaving(), NOW.plusSeconds(5), DRAIN);

        assertThat(back.changes()).singleElement().isInstanceOf(IpvsChange.EditDest.class);
        assertThat(back.leaving()).isEmpty();
        assertThat(applied(draining, back)).isEqualTo(before);
    }

    @Test
    void newBackendsAreAddedBeforeOldOnesAreQuiesced() {
        IpvsTable before = IpvsMapping.table(DesiredState.of(web(11)));
        IpvsTable after = IpvsMapping.table(DesiredState.of(web(12)));

        IpvsPlanner.Plan p = plan(before, after);

        assertThat(p.changes()).extracting(c -> c.getClass().getSimpleName()).containsExactly("AddDest", "EditDest");
    }

    @Test
    void changedAlgorithmEditsTheServiceAndKeepsItsDestinations() {
        IpvsTable before = IpvsMapping.table(DesiredState.of(web(11, 12, 13)));
        IpvsTable after = IpvsMapping.table(DesiredState.of(
                web(11, 12, 13).toBuilder().algorithm(Algorithm.CONSISTENT_HASH).build()));

        IpvsPlanner.Plan p = plan(before, after);

        assertThat(p.changes()).singleElement().isInstanceOfSatisfying(IpvsChange.EditService.class, e -> assertThat(
                        e.after().scheduler())
                .isEqualTo("mh"));
        assertThat(applied(before, p)).isEqualTo(after);
    }

    @Test
    void adoptionDeletesForeignServicesAndDrainsQuiescedLeftovers() {
        IpvsTable wanted = IpvsMapping.table(DesiredState.of(web(11, 12)));
        IpvsTable.Entry web = wanted.entries().values().iterator().next();
        IpvsTable leftover = wanted.with(web.with(
                        IpvsDestination.masq(io.shoal.balancer.spec.IpLiterals.parse("198.18.0.13", "b"), 8080, 0)))
                .with(IpvsMapping.entry(VirtualService.builder("old")
                        .vip("100.64.0.99")
                        .port(443)
                        .backend("198.18.0.11", 8443)
                        .build()));

        IpvsPlanner.Plan p = plan(leftover, wanted);

        assertThat(p.changes()).singleElement().isInstanceOf(IpvsChange.DeleteService.class);
        assertThat(p.leaving()).hasSize(1); // the weight-0 leftover drains from now, no request needed
        assertThat(p.nextDeadline()).contains(NOW.plus(DRAIN));
    }

    @Test
    void timeoutsAreSetFirstAndOnlyWhenTheyDiffer() {
        IpvsTable t = IpvsMapping.table(DesiredState.of(web(11)));

        IpvsPlanner.Plan change =
                IpvsPlanner.plan(t, KERNEL_DEFAULTS, t, new IpvsConfig(86_400, 0, 120), Map.of(), NOW, DRAIN);
        IpvsPlanner.Plan same =
                IpvsPlanner.plan(t, KERNEL_DEFAULTS, t, new IpvsConfig(900, 0, 300), Map.of(), NOW, DRAIN);

        assertThat(change.changes())
                .singleElement()
                .isEqualTo(new IpvsChange.SetConfig(KERNEL_DEFAULTS, new IpvsConfig(86_400, 120, 120)));
        assertThat(same.changes()).isEmpty();
    }

    @Test
    void oneBackendChangedAmongThousandServicesIsOneRequest() {
        List<VirtualService> services = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            VirtualService.Builder b = VirtualService.builder("s" + i)
                    .vip("100.64." + (i / 250) + "." + (i % 250 + 1))
                    .port(80);
            for (int h = 1; h <= 10; h++) {
                b.backend("198.18.1." + h, 8080);
            }
            services.add(b.build());
        }
        IpvsTable before = IpvsMapping.table(DesiredState.of(services));
        VirtualService changed = services.get(500);
        List<Backend> backends = new ArrayList<>(changed.backends());
        backends.set(3, backends.get(3).withWeight(5));
        services.set(
                500,
                changed.toBuilder()
                        .algorithm(Algorithm.ROUND_ROBIN)
                        .backends(backends)
                        .build());
        IpvsTable after = IpvsMapping.table(DesiredState.of(services));

        IpvsPlanner.Plan p = plan(before, after);

        assertThat(p.changes()).singleElement().isInstanceOfSatisfying(IpvsChange.EditDest.class, e -> assertThat(
                        e.after().weight())
                .isEqualTo(5));
    }
}
