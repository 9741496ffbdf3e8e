package io.shoal.balancer.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * What changes between the programmed and the desired set, per service key. A backend sees the
 * same diff whatever it is (nftables rewrites a changed service's chains, IPVS edits destinations).
 *
 * @param added services whose key is new
 * @param removed services whose key is gone
 * @param changed services whose key stays but something else differs
 */
public record ServiceDiff(List<VirtualService> added, List<VirtualService> removed, List<Change> changed) {
    /** One service whose key is unchanged but whose settings or backends differ. */
    public record Change(VirtualService before, VirtualService after) {}

    public ServiceDiff {
        added = List.copyOf(added);
        removed = List.copyOf(removed);
        changed = List.copyOf(changed);
    }

    /**
     * Compares two states; the lists come out in key order, so rendering is deterministic. Both
     * states are sorted by key, so one merge walk over their sorted lists does it; a service object
     * the caller reused from the previous state is recognised by identity, so an unchanged service
     * costs a pointer comparison (an agent re-applying 10,000 services after one change pays tens
     * of microseconds here).
     */
    public static ServiceDiff between(DesiredState before, DesiredState after) {
        List<VirtualService> added = new ArrayList<>();
        List<VirtualService> removed = new ArrayList<>();
        List<Change> changed = new ArrayList<>();
        List<VirtualService> bl = before.sorted();
        List<VirtualService> al = after.sorted();
        int bi = 0;
        int ai = 0;
        while (bi < bl.size() || ai < al.size()) {
            VirtualService b = bi < bl.size() ? bl.get(bi) : null;
            VirtualService a = ai < al.size() ? al.get(ai) : null;
            int order = b == null ? 1 : a == null ? -1 : b == a ? 0 : b.key().compareTo(a.key());
            if (order < 0) {
                removed.add(b);
                bi++;
            } else if (order > 0) {
                added.add(a);
                ai++;
            } else {
                if (!a.equals(b)) {
                    changed.add(new Change(b, a));
                }
                bi++;
                ai++;
            }
        }
        return new ServiceDiff(added, removed, changed);
    }

    /** True when nothing is to be done. */
    public boolean isEmpty() {
        return added.isEmpty() && removed.isEmpty() && changed.isEmpty();
    }

    @Override
    public String toString() {
        return "+" + added.size() + " -" + removed.size() + " ~" + changed.size();
    }
}
