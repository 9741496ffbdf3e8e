package io.shoal.controlplane.orchestrator;

import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.StoreTransaction;
import io.shoal.model.Service;
import io.shoal.model.Task;
import io.shoal.model.TaskState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writes of one service's pass, with what to undo for each write that does not get stored.
 */
final class Plan {
    private static final Logger log = LoggerFactory.getLogger(Plan.class);

    final List<Task> creates = new ArrayList<>();
    final List<Task> updates = new ArrayList<>();
    final Set<String> shutdownIds = new HashSet<>();
    /** Ended tasks to delete (task history retention), with what to do once a delete is stored. */
    final List<Delete> deletes = new ArrayList<>();

    private final Map<String, List<Runnable>> undo = new LinkedHashMap<>();
    private final Set<String> committed = new HashSet<>();
    Service serviceUpdate;
    /** True when this plan starts a batch of a rolling update (counted once stored). */
    boolean updateBatch;
    /** True when a task of this pass could not get an address: the pass is tried again shortly. */
    boolean waitsForAddress;

    /**
     * One write and its key for undo: "service" or a task id; {@code onCommit} (may be null) runs
     * once the transaction holding it is stored.
     */
    record Op(String key, Function<StoreTransaction, StoreTransaction> write, Runnable onCommit) {
        Op(String key, Function<StoreTransaction, StoreTransaction> write) {
            this(key, write, null);
        }
    }

    /**
     * An ended task to delete at the version the pass read, with the agent's status report at its
     * version ({@code -1}: none stored), and what to do once the delete is stored.
     */
    record Delete(Task task, long statusVersion, Runnable onCommit) {}

    /** Registers what frees an allocation made for {@code key} if its write never happens. */
    void undoFor(String key, Runnable action) {
        undo.computeIfAbsent(key, k -> new ArrayList<>()).add(action);
    }

    /**
     * The writes in order: the service's endpoint first, then new tasks, then task updates, then
     * deletions of ended tasks (each task with its status report, in one operation group).
     */
    List<Op> ops() {
        List<Op> out = new ArrayList<>();
        if (serviceUpdate != null) {
            Service s = serviceUpdate;
            out.add(new Op("service", t -> t.update(Kind.SERVICES, s)));
        }
        for (Task task : creates) {
            out.add(new Op(task.id(), t -> t.create(Kind.TASKS, task)));
        }
        for (Task task : updates) {
            out.add(new Op(task.id(), t -> t.update(Kind.TASKS, task)));
        }
        for (Delete d : deletes) {
            Task task = d.task();
            out.add(new Op(
                    "delete " + task.id(),
                    t -> {
                        t.delete(Kind.TASKS, task.id(), task.version());
                        return d.statusVersion() < 0 ? t : t.delete(Kind.STATUS, task.id(), d.statusVersion());
                    },
                    d.onCommit()));
        }
        return out;
    }

    /** Marks writes as stored (their allocations must be kept) and runs their commit actions. */
    void committed(List<Op> ops) {
        for (Op op : ops) {
            committed.add(op.key());
            if (op.onCommit() != null) {
                op.onCommit().run();
            }
        }
    }

    /** Frees the allocations of every write that was not stored. */
    void undoUncommitted() {
        undo.forEach((key, actions) -> {
            if (!committed.contains(key)) {
                actions.forEach(Runnable::run);
            }
        });
    }

    void create(Task t) {
        creates.add(t);
    }

    void shutdown(Task t, String why) {
        if (shutdownIds.add(t.id())) {
            log.debug("orchestrator: shutting down task {}: {}", t.id(), why);
            updates.add(t.withDesiredState(TaskState.SHUTDOWN));
        }
    }

    /** Deletes an ended task (and its status report, when {@code statusVersion >= 0}). */
    void delete(Task t, long statusVersion, Runnable onCommit) {
        deletes.add(new Delete(t, statusVersion, onCommit));
    }

    boolean isShutdown(Task t) {
        return shutdownIds.contains(t.id());
    }

    boolean isEmpty() {
        return creates.isEmpty() && updates.isEmpty() && deletes.isEmpty() && serviceUpdate == null;
    }
}
