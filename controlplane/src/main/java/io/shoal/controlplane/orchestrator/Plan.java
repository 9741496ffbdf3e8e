package io.shoal.controlplane.orchestrator;

import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.StoreTransaction;
import io.shoal.model.Service;
import io.shoal.model.Task;
import io.shoal.model.TaskState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The writes of one service's pass, applied as one transaction, with what to undo if it fails. */
final class Plan {
    private static final Logger log = LoggerFactory.getLogger(Plan.class);

    final List<Task> creates = new ArrayList<>();
    final List<Task> updates = new ArrayList<>();
    final Set<String> shutdownIds = new HashSet<>();
    final List<Runnable> undo = new ArrayList<>();
    Service serviceUpdate;

    void create(Task t) {
        creates.add(t);
    }

    void shutdown(Task t, String why) {
        if (shutdownIds.add(t.id())) {
            log.info("orchestrator: shutting down task {}: {}", t.id(), why);
            updates.add(t.withDesiredState(TaskState.SHUTDOWN));
        }
    }

    boolean isShutdown(Task t) {
        return shutdownIds.contains(t.id());
    }

    boolean isEmpty() {
        return creates.isEmpty() && updates.isEmpty() && serviceUpdate == null;
    }

    StoreTransaction apply(StoreTransaction t) {
        if (serviceUpdate != null) {
            t.update(Kind.SERVICES, serviceUpdate);
        }
        for (Task task : creates) {
            t.create(Kind.TASKS, task);
        }
        for (Task task : updates) {
            t.update(Kind.TASKS, task);
        }
        return t;
    }
}
