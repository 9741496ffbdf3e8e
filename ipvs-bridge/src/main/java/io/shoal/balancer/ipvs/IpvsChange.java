package io.shoal.balancer.ipvs;

import java.util.ArrayList;
import java.util.List;

/**
 * One step of an IPVS plan, with the step that undoes it. IPVS has no transactions: a plan is
 * applied step by step, and when the kernel refuses one, the inverses of the steps already made
 * are applied in reverse order (see {@link IpvsTransaction}).
 */
public sealed interface IpvsChange {
    /** Sends this step. */
    void applyTo(IpvsOperations ops);

    /** The step that restores what this one changed. */
    IpvsChange inverse();

    /** Adds a service with its destinations. If a destination is refused, the service is removed again. */
    record AddService(IpvsTable.Entry entry) implements IpvsChange {
        @Override
        public void applyTo(IpvsOperations ops) {
            ops.newService(entry.service());
            try {
                for (IpvsDestination d : entry.destinations().values()) {
                    ops.newDest(entry.service().key(), d);
                }
            } catch (RuntimeException e) {
                try {
                    ops.delService(entry.service().key());
                } catch (RuntimeException again) {
                    e.addSuppressed(again);
                }
                throw e;
            }
        }

        @Override
        public IpvsChange inverse() {
            return new DeleteService(entry);
        }

        @Override
        public String toString() {
            return "add service " + entry.service() + " with "
                    + entry.destinations().size() + " destinations";
        }
    }

    /** Deletes a service (and so its destinations); remembers them to undo. */
    record DeleteService(IpvsTable.Entry entry) implements IpvsChange {
        @Override
        public void applyTo(IpvsOperations ops) {
            ops.delService(entry.service().key());
        }

        @Override
        public IpvsChange inverse() {
            return new AddService(entry);
        }

        @Override
        public String toString() {
            return "delete service " + entry.service().key();
        }
    }

    /** Changes a service's scheduler, flags, timeout or netmask. */
    record EditService(IpvsService before, IpvsService after) implements IpvsChange {
        @Override
        public void applyTo(IpvsOperations ops) {
            ops.setService(after);
        }

        @Override
        public IpvsChange inverse() {
            return new EditService(after, before);
        }

        @Override
        public String toString() {
            return "edit service " + before + " -> " + after;
        }
    }

    /** Adds a destination. */
    record AddDest(IpvsServiceKey service, IpvsDestination dest) implements IpvsChange {
        @Override
        public void applyTo(IpvsOperations ops) {
            ops.newDest(service, dest);
        }

        @Override
        public IpvsChange inverse() {
            return new DeleteDest(service, dest);
        }

        @Override
        public String toString() {
            return "add " + service + " -> " + dest;
        }
    }

    /** Deletes a destination; remembers it to undo. */
    record DeleteDest(IpvsServiceKey service, IpvsDestination dest) implements IpvsChange {
        @Override
        public void applyTo(IpvsOperations ops) {
            ops.delDest(service, dest.key());
        }

        @Override
        public IpvsChange inverse() {
            return new AddDest(service, dest);
        }

        @Override
        public String toString() {
            return "delete " + service + " -> " + dest.key();
        }
    }

    /** Changes a destination's weight (0 drains it), method or thresholds. */
    record EditDest(IpvsServiceKey service, IpvsDestination before, IpvsDestination after) implements IpvsChange {
        @Override
        public void applyTo(IpvsOperations ops) {
            ops.setDest(service, after);
        }

        @Override
        public IpvsChange inverse() {
            return new EditDest(service, after, before);
        }

        @Override
        public String toString() {
            return "edit " + service + " -> " + before + " to weight " + after.weight();
        }
    }

    /** Changes the namespace's timeouts. */
    record SetConfig(IpvsConfig before, IpvsConfig after) implements IpvsChange {
        @Override
        public void applyTo(IpvsOperations ops) {
            ops.setConfig(after);
        }

        @Override
        public IpvsChange inverse() {
            return new SetConfig(after, before);
        }

        @Override
        public String toString() {
            return "set timeouts " + before + " -> " + after;
        }
    }

    /** The inverses of {@code done}, last first. */
    static List<IpvsChange> undo(List<IpvsChange> done) {
        List<IpvsChange> out = new ArrayList<>(done.size());
        for (int i = done.size() - 1; i >= 0; i--) {
            out.add(done.get(i).inverse());
        }
        return out;
    }
}
