package io.shoal.balancer.ipvs;

import io.shoal.balancer.BalancerException;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;

/**
 * Applies a plan as if it were one transaction. IPVS has none, so: each step is sent in turn; when
 * the kernel refuses one, the steps already made are undone (their inverses, last first), so the
 * namespace is back where it was, and the refusal is reported. If an undo step is refused too, the
 * namespace is left part-way; the error says so and the next {@code apply} repairs it, because it
 * diffs against a fresh dump of the kernel, not against what was believed programmed.
 *
 * <p>With {@link IpvsBatchOperations} (the kernel client) a plan of more than one request is sent
 * in batches of {@value #BATCH} requests, one netlink datagram each (an added service's
 * destinations are requests of their own, after the service's). The kernel handles every request
 * of a batch on its own, so after a refusal the other requests of that batch may have been applied
 * too: every request that was applied, before or after the refused one, is undone, and no further
 * batch is sent. {@code -Dshoal.ipvs.batch=false} sends one request at a time.
 */
public final class IpvsTransaction {
    /** Requests per batch: one datagram, whose acks fit the socket's receive buffer. */
    static final int BATCH = 64;

    private IpvsTransaction() {}

    /**
     * Applies {@code plan} to {@code ops}.
     *
     * @param what what the plan is for, used in errors
     * @throws BalancerException when a step is refused; after a complete rollback {@link
     *     BalancerException#detail()} starts with "rolled back"
     */
    public static void run(List<IpvsChange> plan, IpvsOperations ops, String what) {
        if (ops instanceof IpvsBatchOperations batch
                && Boolean.parseBoolean(System.getProperty("shoal.ipvs.batch", "true"))) {
            List<IpvsChange> requests = new ArrayList<>(plan.size());
            List<Integer> stepOf = new ArrayList<>(plan.size());
            singleRequests(plan, requests, stepOf);
            if (requests.size() > 1) {
                runBatched(requests, stepOf, batch, what);
                return;
            }
        }
        List<IpvsChange> done = new ArrayList<>(plan.size());
        for (IpvsChange step : plan) {
            try {
                step.applyTo(ops);
            } catch (RuntimeException refused) {
                throw refusal(what, step, refused, done.size(), 0, done.size(), rollback(done, ops));
            }
            done.add(step);
        }
    }

    /**
     * The plan as steps of one request each: an added service with destinations becomes the service
     * without them, then one step per destination. {@code stepOf} gets each one's plan position.
     */
    static void singleRequests(List<IpvsChange> plan, List<IpvsChange> out, List<Integer> stepOf) {
        for (int i = 0; i < plan.size(); i++) {
            IpvsChange c = plan.get(i);
            if (c instanceof IpvsChange.AddService add
                    && !add.entry().destinations().isEmpty()) {
                IpvsService service = add.entry().service();
                out.add(new IpvsChange.AddService(IpvsTable.Entry.of(service, List.of())));
                stepOf.add(i);
                for (IpvsDestination d : add.entry().destinations().values()) {
                    out.add(new IpvsChange.AddDest(service.key(), d));
                    stepOf.add(i);
                }
            } else {
                out.add(c);
                stepOf.add(i);
            }
        }
    }

    private static void runBatched(
            List<IpvsChange> requests, List<Integer> stepOf, IpvsBatchOperations ops, String what) {
        List<IpvsChange> done = new ArrayList<>(requests.size());
        List<Integer> doneStep = new ArrayList<>(requests.size());
        for (int from = 0; from < requests.size(); from += BATCH) {
            List<IpvsChange> batch = requests.subList(from, Math.min(requests.size(), from + BATCH));
            SortedMap<Integer, RuntimeException> refused = ops.applyAll(batch);
            for (int i = 0; i < batch.size(); i++) {
                if (!refused.containsKey(i)) {
                    done.add(batch.get(i));
                    doneStep.add(stepOf.get(from + i));
                }
            }
            if (!refused.isEmpty()) {
                int first = refused.firstKey();
                int refusedStep = stepOf.get(from + first);
                // Plan steps touched before the refused one, and after it in the same batch.
                long earlier = doneStep.stream()
                        .filter(s -> s < refusedStep)
                        .distinct()
                        .count();
                long later = doneStep.stream()
                        .filter(s -> s > refusedStep)
                        .distinct()
                        .count();
                BalancerException e = refusal(
                        what,
                        batch.get(first),
                        refused.get(first),
                        (int) earlier,
                        (int) later,
                        done.size(),
                        rollback(done, ops));
                refused.values().stream().skip(1).forEach(e::addSuppressed);
                throw e;
            }
        }
    }

    private static BalancerException refusal(
            String what,
            IpvsChange step,
            RuntimeException refused,
            int earlier,
            int later,
            int undone,
            List<RuntimeException> undoFailures) {
        String laterToo = later == 0 ? "" : " and " + later + " later step(s) of the same batch";
        String detail;
        if (undoFailures.isEmpty()) {
            detail = "rolled back " + earlier + " earlier step(s)" + laterToo + " after \"" + step + "\" was refused: "
                    + refused.getMessage();
        } else {
            detail = "\"" + step + "\" was refused (" + refused.getMessage() + ") and " + undoFailures.size()
                    + " of " + undone + " undo step(s) failed too; the namespace is part-way and the"
                    + " next apply repairs it from a fresh dump";
        }
        BalancerException e = new BalancerException(what, -1, detail, refused);
        undoFailures.forEach(e::addSuppressed);
        return e;
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
