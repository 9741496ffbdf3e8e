package io.shoal.controlplane.api;

import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Store;
import io.shoal.model.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ids of each service's tasks, kept from the store's task events, so that listing one
 * service's tasks ({@code GET /tasks?service=}, {@code docker service ps}) reads only those tasks
 * instead of scanning every task of the cluster. A task's service never changes, so an id is added
 * on create and removed on delete; the view stays the truth: {@link #tasks} returns only the ids
 * the view still holds, and forgets the others.
 */
public final class TasksByService {
    private final Store store;
    private final Map<String, Set<String>> byService = new ConcurrentHashMap<>();

    /** Starts following {@code store}'s tasks (a started store). */
    public TasksByService(Store store) {
        this.store = store;
        store.listen(Kind.TASKS, e -> {
            if (e.after() != null) {
                add(e.after().value());
            } else if (e.before() != null) {
                Set<String> ids = byService.get(e.before().value().serviceId());
                if (ids != null) {
                    ids.remove(e.id());
                }
            }
        });
        // Tasks the view had before the listener was in place (an event that came in between
        // is added twice, which a set absorbs; a deletion in between is dropped by tasks()).
        for (Task t : store.list(Kind.TASKS)) {
            add(t);
        }
    }

    private void add(Task t) {
        byService
                .computeIfAbsent(t.serviceId(), k -> ConcurrentHashMap.newKeySet())
                .add(t.id());
    }

    /** The tasks of one service in the view, in no particular order. */
    public List<Task> tasks(String serviceId) {
        Set<String> ids = byService.get(serviceId);
        if (ids == null) {
            return List.of();
        }
        List<Task> out = new ArrayList<>(ids.size());
        for (String id : ids) {
            store.get(Kind.TASKS, id).ifPresentOrElse(out::add, () -> ids.remove(id));
        }
        return out;
    }
}
