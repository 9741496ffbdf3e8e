package io.shoal.balancer.ipvs;

import io.shoal.balancer.BalancerException;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies a plan as if it were one transaction. IPVS has none, so: each step is sent in turn; when
 * the kernel refuses one, the steps already made are undone (their inverses, last first), so the
 * namespace is back where it was, and the refusal is reported. If an undo step is refused too, the
 * namespace is left part-way; the error says so and the next {@code apply} repairs it, because it
 * diffs against a fresh dump of the kernel, not against what was believed programmed.
 */
public final class IpvsTransaction {
    private IpvsTransaction() {}

    /**
     * Applies {@code plan} to {@code ops}.
     *
     * @param what what the plan is for, used in errors
     * @throws BalancerException when a step is refused; after a complete rollback {@link
     *     BalancerException#detail()} starts with "rolled back"
     */
    public static void run(List<IpvsChange> plan, IpvsOperations ops, String what) {
        List<IpvsChange> done = new ArrayList<>(plan.size());
        for (IpvsChange step : plan) {
            try {
                step.applyTo(ops);
            } catch (RuntimeException refused) {
                List<RuntimeException> undoFailures = rollback(done, ops);
                String detail;
                if (undoFailures.isEmpty()) {
                    detail = "rolled back " + done.size() + " earlier step(s) after \"" + step + "\" was refused: "
                            + refused.getMessage();
                } else {
                    detail = "\"" + step + "\" was refused (" + refused.getMessage() + ") and " + undoFailures.size()
                            + " of " + done.size() + " undo step(s) failed too; the namespace is part-way and the"
                            + " next apply repairs it from a fresh dump";
                }
                BalancerException e = new BalancerException(what, -1, detail, refused);
                undoFailures.forEach(e::addSuppressed);
                throw e;
            }
            done.add(step);
        }
    }

    private static List<RuntimeException> rollback(List<IpvsChange> done, IpvsOperations ops) {
        List<RuntimeException> failures = new ArrayList<>();
        for (IpvsChange undo : IpvsChange.undo(done)) {
            try {
                undo.applyTo(ops);
            } catch (RuntimeException e) {
                failures.add(e); // keep undoing the rest: a part-way namespace is better the closer it is
            }
        }
        return failures;
    }
}
