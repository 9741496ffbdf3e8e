package io.shoal.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SweeperSelectionTest {
    private static final RunPrefix DEAD = RunPrefix.of("sbdead");
    private static final RunPrefix LIVE = RunPrefix.of("sblive");
    private static final RunPrefix KEPT = RunPrefix.of("sbkept");

    private static final Map<RunPrefix, RunRecord> RECORDS = Map.of(
            DEAD, new RunRecord(DEAD, 999_999, 1, 2, List.of("lb")),
            LIVE, new RunRecord(LIVE, 1234, 5, 2, List.of()),
            KEPT, RunRecord.kept(KEPT, 1));

    @Test
    void deadRunsNamespacesAreSweptWithTheFabricLast() {
        Set<String> namespaces = Set.of("sbdead-fab", "sbdead-h1", "sbdead-h2", "sbdead-lb", "sblive-fab", "sblive-h1");

        Sweeper.Plan plan = Sweeper.select(namespaces, RECORDS, r -> r.prefix() != DEAD);

        assertThat(plan.runs()).containsExactly(DEAD);
        assertThat(plan.namespaces()).containsExactly("sbdead-h1", "sbdead-h2", "sbdead-lb", "sbdead-fab");
    }

    @Test
    void namespacesWithoutARecordAreLeftAlone() {
        // Someone else's namespaces, even if they look like ours: no record, no sweep.
        Set<String> namespaces = Set.of("sbzzzz-h1", "sbzzzz-fab", "nfx1", "sb-other");

        Sweeper.Plan plan = Sweeper.select(namespaces, RECORDS, r -> true);

        assertThat(plan.isEmpty()).isTrue();
    }

    @Test
    void deadRunWithoutNamespacesStillLosesItsRecord() {
        Sweeper.Plan plan = Sweeper.select(Set.of(), RECORDS, r -> r.prefix() != DEAD);

        assertThat(plan.runs()).containsExactly(DEAD);
        assertThat(plan.namespaces()).isEmpty();
    }

    @Test
    void keptRunsCountAsAliveWithoutAnOwnerProcess() {
        assertThat(RECORDS.get(KEPT).ownerAlive()).isTrue();

        Sweeper.Plan plan = Sweeper.select(Set.of("sbkept-h1", "sbkept-fab"), RECORDS, RunRecord::ownerAlive);

        assertThat(plan.namespaces()).noneMatch(ns -> ns.startsWith("sbkept"));
    }
}
