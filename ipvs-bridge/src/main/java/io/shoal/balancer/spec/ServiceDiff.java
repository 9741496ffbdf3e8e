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

    /** Compares two states; the lists come out in key order, so rendering is deterministic. */
    public static ServiceDiff between(DesiredState before, DesiredState after) {
        List<VirtualService> added = new ArrayList<>();
        List<VirtualService> removed = new ArrayList<>();
        List<Change> changed = new ArrayList<>();
        for (VirtualService b : before.services()) {
            VirtualService a = after.byKey().get(b.key());
            if (a == null) {
                removed.add(b);
            } else if (!a.equals(b)) {
                changed.add(new Change(b, a));
            }
        }
        for (VirtualService a : after.services()) {
            if (!before.byKey().containsKey(a.key())) {
                added.add(a);
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
