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
    private final Map<String, List<Runnable>> undo = new LinkedHashMap<>();
    private final Set<String> committed = new HashSet<>();
    Service serviceUpdate;
    /** True when this plan starts a batch of a rolling update (counted once stored). */
    boolean updateBatch;
    /** True when a task of this pass could not get an address: the pass is tried again shortly. */
    boolean waitsForAddress;

    /** One write and its key for undo: "service" or a task id. */
    record Op(String key, Function<StoreTransaction, StoreTransaction> write) {}

    /** Registers what frees an allocation made for {@code key} if its write never happens. */
    void undoFor(String key, Runnable action) {
        undo.computeIfAbsent(key, k -> new ArrayList<>()).add(action);
    }

    /** The writes in order: the service's endpoint first, then new tasks, then task updates. */
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
        return out;
    }

    /** Marks writes as stored: their allocations must be kept. */
    void committed(List<Op> ops) {
        ops.forEach(op -> committed.add(op.key()));
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

    boolean isShutdown(Task t) {
        return shutdownIds.contains(t.id());
    }

    boolean isEmpty() {
        return creates.isEmpty() && updates.isEmpty() && serviceUpdate == null;
    }
}
