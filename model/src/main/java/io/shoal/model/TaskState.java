package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The life of a task. States only move forward, in declaration order: NEW → PENDING → ASSIGNED →
 * ACCEPTED → PREPARING → STARTING → RUNNING, then one of the terminal states COMPLETE, SHUTDOWN,
 * FAILED, REJECTED, ORPHANED, which are final. A task may skip states (a task can fail while
 * PREPARING) but never move back: a restarted task is a new task.
 *
 * <p>ORPHANED (Swarm's state of the same name) is written by the leader, never by an agent: a task
 * told to shut down whose node was removed, or has been down longer than the orphan timeout (24 h by
 * default), will never be reported ended by its agent, so the leader ends it. It is declared last:
 * an observed state is the later (higher ordinal) of the leader's record and the agent's report, so
 * a report arriving after it (the node came back) cannot move the task back.
 */
public enum TaskState {
    NEW,
    PENDING,
    ASSIGNED,
    ACCEPTED,
    PREPARING,
    STARTING,
    RUNNING,
    COMPLETE,
    SHUTDOWN,
    FAILED,
    REJECTED,
    /** Ended by the leader: its node was removed or stayed down past the orphan timeout. */
    ORPHANED;

    @JsonValue
    public String json() {
        return Enums.dashed(this);
    }

    @JsonCreator
    public static TaskState parse(String value) {
        return Enums.parseDashed(TaskState.class, "task state", value);
    }

    /** True for COMPLETE, SHUTDOWN, FAILED, REJECTED and ORPHANED: nothing follows them. */
    public boolean isTerminal() {
        return ordinal() >= COMPLETE.ordinal();
    }

    /**
     * True when a task in this state may move to {@code next}: forward, or staying put (a status
     * refresh). Nothing leaves a terminal state.
     */
    public boolean canMoveTo(TaskState next) {
        if (next == this) {
            return true;
        }
        return !isTerminal() && next.ordinal() > ordinal();
    }

    /**
     * Checks a move; an illegal one throws {@link IllegalStateException} naming both states.
     *
     * @return {@code next}
     */
    public TaskState checkMoveTo(TaskState next) {
        Require.notNull("task state", next);
        if (!canMoveTo(next)) {
            String why = isTerminal() ? this + " is terminal" : "states only move forward";
            throw new IllegalStateException("task state: cannot move from " + this + " to " + next + " (" + why + ")");
        }
        return next;
    }
}
