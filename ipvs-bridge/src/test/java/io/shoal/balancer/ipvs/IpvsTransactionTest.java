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
}
