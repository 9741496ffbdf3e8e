package io.shoal.controlplane.orchestrator;

import io.shoal.model.FailureAction;
import io.shoal.model.Service;
import io.shoal.model.ServiceSpec;
import io.shoal.model.Task;
import io.shoal.model.TaskState;
import io.shoal.model.UpdateConfig;
import io.shoal.model.UpdateOrder;
import io.shoal.model.UpdateState;
import io.shoal.model.UpdateStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Rolling updates and rollbacks, SwarmKit style, as part of the orchestrator's pass. Everything it
 * decides from is in ZooKeeper — the service's spec, previous spec and {@link UpdateStatus}, and the
 * tasks with the spec each was made from — so a new leader continues an update where the last one
 * stopped.
 *
 * <p>A task is <em>outdated</em> when its task spec differs from the service's. Slots (or nodes, for
 * a global service) are replaced in batches of {@code parallelism}: stop-first shuts the old task
 * down in the same transaction that creates the new one; start-first creates the new one and shuts
 * the old one down once the new one is observed RUNNING. A slot is in flight until its new task
 * runs; the next batch starts when fewer than {@code parallelism} slots are in flight, and when a
 * {@code delay} is set only once none are and the delay passed since the last new task started
 * running. The update completes when no slot is outdated and {@code monitor} passed since the last
 * new task started running.
 *
 * <p>Failures: a task of the new spec created since the update started that is observed FAILED or
 * REJECTED while the update is in progress counts. When {@code failed / slots > maxFailureRatio}
 * the failure action applies: pause (state PAUSED, nothing more is replaced), continue, or rollback
 * (the previous spec becomes the spec again and is rolled out with the rollback config; a failing
 * rollback pauses as ROLLBACK_PAUSED).
 */
final class Updater {
    private final Clock clock;
    private final Consumer<Instant> wakeAt;

    /** One slot of a service: its number (0 for global) or node, and every task it has had. */
    record Slot(int slot, String nodeId, List<Task> history) {}

    /** Makes the next task of a slot (with the orchestrator's deterministic id, never reused). */
    interface TaskFactory {
        Task next(Slot slot);
    }

    Updater(Clock clock, Consumer<Instant> wakeAt) {
        this.clock = clock;
        this.wakeAt = wakeAt;
    }

    /**
     * Before the slots are planned: starts an update for a service whose tasks are outdated without
     * one recorded, and applies the failure action when too many new tasks failed.
     *
     * @return the service as it should be stored (the same instance when nothing changed)
     */
    Service check(Snapshot s, Service service, List<Task> tasks) {
        UpdateStatus st = service.updateStatus();
        boolean outdated = tasks.stream().anyMatch(t -> s.live(t) && !current(s, service, t));
        Instant now = clock.instant();
        if (st == null || (!st.state().inProgress() && isDone(st.state()))) {
            // An update written without a status (an older client): it still rolls.
            return outdated ? service.withUpdateStatus(UpdateStatus.updating(now)) : service;
        }
        if (!st.state().inProgress()) {
            return service; // paused: nothing moves until the next update
        }
        UpdateConfig cfg = config(service);
        long slots = service.spec().mode().global()
                ? Math.max(
                        1,
                        tasks.stream()
                                .filter(s::live)
                                .map(Task::nodeId)
                                .distinct()
                                .count())
                : Math.max(1, service.spec().mode().replicas());
        List<Task> failed = tasks.stream()
                .filter(t -> failedDuring(s, service, st, t))
                .sorted(Comparator.comparing(Task::id))
                .toList();
        if (failed.isEmpty()
                || (double) failed.size() / slots <= cfg.maxFailureRatio()
                || cfg.failureAction() == FailureAction.CONTINUE) {
            return service;
        }
        String what = (st.state().rollback() ? "rollback" : "update") + ": task "
                + failed.get(0).id()
                + " failed (" + failed.size() + " of " + slots + " slots failed, max failure ratio "
                + cfg.maxFailureRatio() + ")";
        if (st.state().rollback()) {
            return service.withUpdateStatus(st.moveTo(UpdateState.ROLLBACK_PAUSED, now, "rollback paused; " + what));
        }
        if (cfg.failureAction() == FailureAction.ROLLBACK && service.previousSpec() != null) {
            return service.rolledBack(now, "rollback started; " + what);
        }
        return service.withUpdateStatus(st.moveTo(UpdateState.PAUSED, now, "update paused; " + what));
    }

    /**
     * Whether {@link #check} counts a task as a failure of the update {@code st}: a task of the new
     * spec, created since the update started, observed FAILED or REJECTED (whether or not it was
     * replaced since: a replaced task is told to stop, and still counts).
     */
    private static boolean failedDuring(Snapshot s, Service service, UpdateStatus st, Task t) {
        TaskState observed = s.observed(t);
        return current(s, service, t)
                && !t.meta().createdAt().isBefore(st.startedAt())
                && (observed == TaskState.FAILED || observed == TaskState.REJECTED);
    }

    /**
     * Whether the failure count of an update in progress still needs a task: the orchestrator keeps
     * such tasks beyond the task history limit, or deleting them would hide failures (bounded: once
     * the count passes the ratio, the update pauses or rolls back).
     */
    static boolean neededForFailureCount(Snapshot s, Service service, Task t) {
        UpdateStatus st = service.updateStatus();
        return st != null
                && st.state().inProgress()
                && config(service).failureAction() != FailureAction.CONTINUE
                && failedDuring(s, service, st, t);
    }

    private static boolean isDone(UpdateState state) {
        return state == UpdateState.COMPLETED || state == UpdateState.ROLLBACK_COMPLETED;
    }

    /**
     * After the slots are planned: replaces outdated slots batch by batch and records completion.
     *
     * @return the service as it should be stored (the same instance when nothing changed)
     */
    Service roll(Snapshot s, Service service, List<Slot> slots, Plan plan, TaskFactory factory) {
        UpdateStatus st = service.updateStatus();
        if (st == null || !st.state().inProgress()) {
            return service;
        }
        UpdateConfig cfg = config(service);
        Instant now = clock.instant();
        List<Slot> todo = new ArrayList<>();
        int inFlight = 0;
        Instant lastRunning = null;
        for (Slot slot : slots) {
            List<Task> live = slot.history().stream()
                    .filter(t -> s.live(t) && !plan.isShutdown(t))
                    .toList();
            List<Task> fresh = live.stream().filter(t -> current(s, service, t)).toList();
            List<Task> old = live.stream().filter(t -> !current(s, service, t)).toList();
            List<Task> running = fresh.stream()
                    .filter(t -> s.observed(t) == TaskState.RUNNING)
                    .toList();
            for (Task t : running) {
                if (!t.meta().createdAt().isBefore(st.startedAt())) {
                    Instant at = s.endedAt(t);
                    lastRunning = lastRunning == null || at.isAfter(lastRunning) ? at : lastRunning;
                }
            }
            if (old.isEmpty()) {
                if (!fresh.isEmpty() && running.isEmpty()) {
                    inFlight++;
                }
            } else if (fresh.isEmpty()) {
                if (!lastFailedFresh(s, service, slot)) {
                    todo.add(slot);
                }
            } else if (running.isEmpty()) {
                inFlight++;
            } else {
                old.forEach(t -> plan.shutdown(t, "updated task running"));
            }
        }
        long parallelism = cfg.parallelism() == 0 ? Long.MAX_VALUE : cfg.parallelism();
        if (!todo.isEmpty()) {
            if (inFlight >= parallelism || (inFlight > 0 && !cfg.delay().isZero())) {
                return service; // the next pass (a task status change) looks again
            }
            if (!cfg.delay().isZero() && lastRunning != null && now.isBefore(lastRunning.plus(cfg.delay()))) {
                wakeAt.accept(lastRunning.plus(cfg.delay()));
                return service;
            }
            todo.sort(Comparator.comparing(Slot::slot).thenComparing(Slot::nodeId));
            long batch = Math.min(parallelism - inFlight, todo.size());
            for (Slot slot : todo.subList(0, (int) batch)) {
                plan.create(factory.next(slot));
                if (cfg.order() == UpdateOrder.STOP_FIRST) {
                    slot.history().stream()
                            .filter(t -> s.live(t) && !current(s, service, t))
                            .forEach(t -> plan.shutdown(t, "replaced by update"));
                }
            }
            plan.updateBatch = true;
            return service;
        }
        if (inFlight > 0) {
            return service;
        }
        Instant settled = lastRunning == null ? now : lastRunning.plus(cfg.monitor());
        if (now.isBefore(settled)) {
            wakeAt.accept(settled);
            return service;
        }
        UpdateState done = st.state().rollback() ? UpdateState.ROLLBACK_COMPLETED : UpdateState.COMPLETED;
        return service.withUpdateStatus(
                st.moveTo(done, now, st.state().rollback() ? "rollback completed" : "update completed"));
    }

    /** Start-first: a slot whose newest task is of the new spec and failed keeps its old task. */
    private static boolean lastFailedFresh(Snapshot s, Service service, Slot slot) {
        return slot.history().stream()
                .max(Comparator.comparing((Task t) -> t.meta().createdAt()).thenComparing(Task::id))
                .filter(t -> current(s, service, t))
                .map(t -> s.observed(t).isTerminal())
                .orElse(false);
    }

    /** The update config, or for a rollback the rollback config of the spec being left. */
    static UpdateConfig config(Service service) {
        UpdateStatus st = service.updateStatus();
        if (st != null && st.state().rollback()) {
            ServiceSpec left = service.previousSpec() != null ? service.previousSpec() : service.spec();
            return left.rollback();
        }
        return service.spec().update();
    }

    /**
     * True when a task carries the spec new tasks of the service get now ({@link
     * Snapshot#taskSpec}): the service's task spec, with the ingress network when it publishes
     * ports. So adding or removing published ports also rolls the tasks.
     */
    static boolean current(Snapshot s, Service service, Task t) {
        return t.spec().equals(s.taskSpec(service));
    }
}
