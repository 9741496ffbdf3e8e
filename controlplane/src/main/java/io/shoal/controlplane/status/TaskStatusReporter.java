package io.shoal.controlplane.status;

import io.shoal.controlplane.store.AlreadyExistsException;
import io.shoal.controlplane.store.ConflictException;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Store;
import io.shoal.controlplane.store.StoreException;
import io.shoal.controlplane.store.Stored;
import io.shoal.model.TaskStatus;
import java.util.Optional;

/**
 * Writes a task's observed status for the agent that runs it. A report never moves a task back:
 * each write names the version it read and is checked against the state machine first, so two
 * writers (an agent restarted on its node, say) cannot overwrite a later state with an earlier one.
 */
public final class TaskStatusReporter {
    private static final int MAX_ATTEMPTS = 5;
    private final Store store;

    public TaskStatusReporter(Store store) {
        this.store = store;
    }

    /**
     * Records {@code next} for a task.
     *
     * @return the status now stored
     * @throws IllegalStateException when the stored state is later than {@code next} (naming both)
     * @throws StoreException when the write keeps conflicting or ZooKeeper is unreachable
     */
    public TaskStatus report(String taskId, TaskStatus next) {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Optional<Stored<TaskStatus>> current = store.read(Kind.STATUS, taskId);
            try {
                if (current.isEmpty()) {
                    return store.create(Kind.STATUS, taskId, next);
                }
                TaskStatus before = current.get().value();
                before.state().checkMoveTo(next.state());
                if (before.equals(next)) {
                    return before;
                }
                return store.update(Kind.STATUS, taskId, current.get().version(), next);
            } catch (AlreadyExistsException | ConflictException e) {
                // Someone else wrote in between: read again and re-check the move.
            }
        }
        throw new StoreException("task status " + taskId + ": still conflicting after " + MAX_ATTEMPTS + " attempts");
    }
}
