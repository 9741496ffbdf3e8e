package io.shoal.controlplane.orchestrator;

import io.shoal.model.Service;
import io.shoal.model.Task;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tasks and services this leader wrote that its view may not show yet. The view is a cache fed
 * by watches: right after a commit it still holds the older versions (or nothing, for a create), so
 * a pass working from it alone would propose the same tasks again, fail on the duplicate and wait
 * for a retry. A pass lays these writes over the view instead: an entry is used while the view holds
 * an older version of the object, and dropped once the view caught up.
 *
 * <p>Only the leader writes tasks, and every write names the version it changes, so a view version
 * at least as high as the one written is the same write or a later one: the overlay never hides a
 * newer state.
 */
final class OwnWrites {
    private final Map<String, Task> tasks = new ConcurrentHashMap<>();
    private final Map<String, Service> services = new ConcurrentHashMap<>();
    /** Tasks this leader deleted that the view may still show. */
    private final Set<String> deletedTasks = ConcurrentHashMap.newKeySet();

    /** Records what a commit wrote (the values {@code StoreTransaction.commit()} returned). */
    void record(List<Object> written) {
        for (Object o : written) {
            if (o instanceof Task t) {
                tasks.put(t.id(), t);
            } else if (o instanceof Service s) {
                services.put(s.id(), s);
            }
        }
    }

    /** The view saw a task znode deleted: nothing of it is laid over the view any more. */
    void taskDeleted(String id) {
        tasks.remove(id);
        deletedTasks.remove(id);
    }

    /** This leader deleted a task: it is taken out of the view until the view lacks it too. */
    void taskDeletedByUs(String id) {
        tasks.remove(id);
        deletedTasks.add(id);
    }

    /** A service znode was deleted: nothing of it is laid over the view any more. */
    void serviceDeleted(String id) {
        services.remove(id);
    }

    /**
     * Lays the writes over a view read: a task or service the view lacks or holds at an older
     * version is replaced by what was written. A service the view no longer holds was deleted
     * through the API and stays deleted.
     */
    void applyTo(Map<String, Service> viewServices, Map<String, Task> viewTasks) {
        services.values().removeIf(written -> {
            Service seen = viewServices.get(written.id());
            if (seen == null || seen.version() >= written.version()) {
                return true;
            }
            viewServices.put(written.id(), written);
            return false;
        });
        applyToTasks(viewTasks);
    }

    /** {@link #applyTo} for tasks only; a task this leader deleted is taken out of the view. */
    void applyToTasks(Map<String, Task> viewTasks) {
        tasks.values().removeIf(written -> {
            Task seen = viewTasks.get(written.id());
            if (seen != null && seen.version() >= written.version()) {
                return true;
            }
            viewTasks.put(written.id(), written);
            return false;
        });
        deletedTasks.removeIf(id -> viewTasks.remove(id) == null);
    }

    /** Writes still laid over the view (for tests). */
    int size() {
        return tasks.size() + services.size() + deletedTasks.size();
    }
}
