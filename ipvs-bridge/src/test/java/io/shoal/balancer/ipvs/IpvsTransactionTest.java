package io.shoal.balancer.ipvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.balancer.BalancerException;
import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.IpLiterals;
import io.shoal.balancer.spec.VirtualService;
import io.shoal.netlink.NetlinkException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rollback of a refused plan, on an in-memory table with the kernel's rules. */
class IpvsTransactionTest {
    private static final IpvsConfig CONFIG = new IpvsConfig(900, 120, 300);

    private static VirtualService service(String name, String vip, int... hosts) {
        VirtualService.Builder b = VirtualService.builder(name).vip(vip).port(80);
        for (int h : hosts) {
            b.backend("198.18.0." + h, 8080);
        }
        return b.build();
    }

    @Test
    void refusedStepRollsBackTheStepsBeforeIt() {
        IpvsTable before = IpvsMapping.table(
                DesiredState.of(service("a", "100.64.0.10", 11, 12), service("gone", "100.64.0.11", 11)));
        IpvsTable desired = IpvsMapping.table(
                DesiredState.of(service("a", "100.64.0.10", 11, 13), service("b", "100.64.0.12", 12)));
        IpvsPlanner.Plan plan = IpvsPlanner.plan(
                before, CONFIG, desired, new IpvsConfig(86_400, 0, 120), Map.of(), Instant.EPOCH, Duration.ZERO);
        IpvsTableEditor kernel = new IpvsTableEditor(before, CONFIG);
        // Someone else adds 198.18.0.13 behind our back: our AddDest for it is refused with EEXIST,
        // after the timeouts, the deletion of "gone" and the addition of "b" were made.
        IpvsServiceKey a = before.entries().firstKey();
        IpvsDestination intruder = IpvsDestination.masq(IpLiterals.parse("198.18.0.13", "b"), 8080, 7);
        kernel.newDest(a, intruder);
        IpvsTable beforeApply = kernel.table();

        assertThatThrownBy(() -> IpvsTransaction.run(plan.changes(), kernel, "apply"))
                .isInstanceOf(BalancerException.class)
                .hasMessageContaining("rolled back 3 earlier step(s)")
                .hasMessageContaining("EEXIST")
                .hasCauseInstanceOf(NetlinkException.class);
        assertThat(kernel.table()).isEqualTo(beforeApply);
        assertThat(kernel.config()).isEqualTo(CONFIG);
    }

    @Test
    void serviceWhoseDestinationIsRefusedIsRemovedAgain() {
        IpvsTable.Entry entry = IpvsMapping.entry(service("a", "100.64.0.10", 11, 12));
        IpvsOperations refuseSecondDest = new IpvsTableEditor(IpvsTable.empty(), CONFIG) {
            private int dests;

            @Override
            public void newDest(IpvsServiceKey service, IpvsDestination dest) {
                if (++dests == 2) {
                    throw new NetlinkException("IPVS_CMD_NEW_DEST", 12, null); // ENOMEM
                }
                super.newDest(service, dest);
            }
        };

        assertThatThrownBy(() -> new IpvsChange.AddService(entry).applyTo(refuseSecondDest))
                .isInstanceOf(NetlinkException.class)
                .hasMessageContaining("ENOMEM");
        assertThat(((IpvsTableEditor) refuseSecondDest).table()).isEqualTo(IpvsTable.empty());
    }

    @Test
    void failedUndoIsReportedAsPartWay() {
        IpvsTable before = IpvsMapping.table(DesiredState.of(service("a", "100.64.0.10", 11)));
        IpvsTable desired = IpvsMapping.table(DesiredState.of(service("a", "100.64.0.10", 12)));
        IpvsPlanner.Plan plan =
                IpvsPlanner.plan(before, CONFIG, desired, CONFIG, Map.of(), Instant.EPOCH, Duration.ZERO);
        // Plan: add .12, delete .11. The delete is refused, and so is the undo of the add.
        IpvsOperations broken = new IpvsTableEditor(before, CONFIG) {
            @Override
            public void delDest(IpvsServiceKey service, IpvsDestination.Key dest) {
                throw new NetlinkException("IPVS_CMD_DEL_DEST " + dest, 1, null); // EPERM
            }
        };

        assertThatThrownBy(() -> IpvsTransaction.run(plan.changes(), broken, "apply"))
                .isInstanceOf(BalancerException.class)
                .hasMessageContaining("1 of 1 undo step(s) failed")
                .hasMessageContaining("next apply repairs it")
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
    }

    @Test
    void everyChangeUndoesToTheSameTable() {
        IpvsTable before = IpvsMapping.table(
                DesiredState.of(service("a", "100.64.0.10", 11, 12), service("gone", "100.64.0.11", 11)));
        IpvsTable desired = IpvsMapping.table(
                DesiredState.of(service("a", "100.64.0.10", 12, 13), service("b", "100.64.0.12", 12)));
        IpvsPlanner.Plan plan =
                IpvsPlanner.plan(before, CONFIG, desired, CONFIG, Map.of(), Instant.EPOCH, Duration.ZERO);
        IpvsTableEditor kernel = new IpvsTableEditor(before, CONFIG);

        IpvsTransaction.run(plan.changes(), kernel, "apply");
        assertThat(kernel.table()).isEqualTo(desired);
        IpvsTransaction.run(IpvsChange.undo(plan.changes()), kernel, "undo");

        assertThat(kernel.table()).isEqualTo(before);
    }

    /**
     * Kernel-like batches on the in-memory table: each request of a batch is applied or refused on
     * its own and the later ones still run, as the kernel handles a datagram of requests.
     */
    private static class BatchingTable extends IpvsTableEditor implements IpvsBatchOperations {
        final java.util.List<Integer> batchSizes = new java.util.ArrayList<>();

        BatchingTable(IpvsTable table) {
            super(table, CONFIG);
        }

        @Override
        public java.util.SortedMap<Integer, RuntimeException> applyAll(java.util.List<IpvsChange> steps) {
            batchSizes.add(steps.size());
            java.util.SortedMap<Integer, RuntimeException> refused = new java.util.TreeMap<>();
            for (int i = 0; i < steps.size(); i++) {
                try {
                    steps.get(i).applyTo(this);
                } catch (RuntimeException e) {
                    refused.put(i, e);
                }
            }
            return refused;
        }
    }

    private static DesiredState many(int services, int firstHost) {
        java.util.List<VirtualService> list = new java.util.ArrayList<>();
        for (int i = 0; i < services; i++) {
            list.add(service("s" + i, "100.64.1." + (i + 1), firstHost, firstHost + 1, firstHost + 2, firstHost + 3));
        }
        return DesiredState.of(list);
    }

    @Test
    void aLargePlanGoesInBatchesOfOneRequestPerStepAndEndsAsTheSequentialOne() {
        IpvsTable desired = IpvsMapping.table(many(30, 11)); // 30 services + 120 destinations
        IpvsPlanner.Plan plan =
                IpvsPlanner.plan(IpvsTable.empty(), CONFIG, desired, CONFIG, Map.of(), Instant.EPOCH, Duration.ZERO);
        BatchingTable kernel = new BatchingTable(IpvsTable.empty());

        IpvsTransaction.run(plan.changes(), kernel, "apply");

        assertThat(plan.changes()).hasSize(30);
        assertThat(kernel.batchSizes).containsExactly(64, 64, 22);
        assertThat(kernel.table()).isEqualTo(desired);
    }

    @Test
    void aRefusalInABatchUndoesEveryAppliedRequestEvenLaterOnesAndSendsNoFurtherBatch() {
        IpvsTable before = IpvsMapping.table(many(40, 11));
        IpvsTable desired = IpvsMapping.table(many(40, 12)); // per service: add .15, delete .11
        IpvsPlanner.Plan plan =
                IpvsPlanner.plan(before, CONFIG, desired, CONFIG, Map.of(), Instant.EPOCH, Duration.ZERO);
        BatchingTable kernel = new BatchingTable(before);
        // Someone else added s3's new destination: our request for it (the 4th) is refused with
        // EEXIST, and the 63 other requests of the first batch (of 64) are applied by the kernel anyway.
        IpvsServiceKey s3 = IpvsMapping.entry(many(40, 11).byKey().values().stream()
                        .filter(v -> v.name().equals("s3"))
                        .findFirst()
                        .orElseThrow())
                .service()
                .key();
        IpvsDestination intruder = IpvsDestination.masq(IpLiterals.parse("198.18.0.15", "b"), 8080, 1);
        kernel.newDest(s3, intruder);
        IpvsTable beforeApply = kernel.table();

        assertThatThrownBy(() -> IpvsTransaction.run(plan.changes(), kernel, "apply"))
                .isInstanceOf(BalancerException.class)
                .hasMessageContaining("rolled back 3 earlier step(s) and 60 later step(s) of the same batch")
                .hasMessageContaining("EEXIST")
                .hasCauseInstanceOf(NetlinkException.class);
        assertThat(plan.changes()).hasSize(80); // 40 added destinations, then 40 deleted ones
        assertThat(kernel.batchSizes).containsExactly(64); // the undo goes one request at a time
        assertThat(kernel.table()).isEqualTo(beforeApply);
    }

    @Test
    void withoutBatchingTheRequestsGoOneAtATime() {
        IpvsTable desired = IpvsMapping.table(many(30, 11));
        IpvsPlanner.Plan plan =
                IpvsPlanner.plan(IpvsTable.empty(), CONFIG, desired, CONFIG, Map.of(), Instant.EPOCH, Duration.ZERO);
        BatchingTable kernel = new BatchingTable(IpvsTable.empty());
        System.setProperty("shoal.ipvs.batch", "false");
        try {
            IpvsTransaction.run(plan.changes(), kernel, "apply");
        } finally {
            System.clearProperty("shoal.ipvs.batch");
        }

        assertThat(kernel.batchSizes).isEmpty();
        assertThat(kernel.table()).isEqualTo(desired);
    }
}
