package io.shoal.model;

import java.time.Instant;
import java.util.Objects;

/**
 * The progress of a service's rolling update or rollback, kept in the service's znode so that a new
 * leader carries on where the last one stopped.
 *
 * @param state updating, paused, completed, or their rollback forms
 * @param startedAt when the update (or rollback) began
 * @param completedAt when it completed; null until then
 * @param message what happened, for people ("update paused: 1 of 3 updated tasks failed")
 */
public record UpdateStatus(UpdateState state, Instant startedAt, Instant completedAt, String message) {
    public UpdateStatus {
        Require.notNull("update state", state);
        startedAt = Objects.requireNonNullElse(startedAt, Instant.EPOCH);
        message = message == null ? "" : message;
    }

    /** An update that starts now. */
    public static UpdateStatus updating(Instant now) {
        return new UpdateStatus(UpdateState.UPDATING, now, null, "update in progress");
    }

    /** A rollback that starts now, with why. */
    public static UpdateStatus rollingBack(Instant now, String why) {
        return new UpdateStatus(UpdateState.ROLLBACK_STARTED, now, null, why);
    }

    /** The same update in another state, with a message; a completed state records {@code now}. */
    public UpdateStatus moveTo(UpdateState next, Instant now, String why) {
        boolean done = next == UpdateState.COMPLETED || next == UpdateState.ROLLBACK_COMPLETED;
        return new UpdateStatus(next, startedAt, done ? now : null, why);
    }
}
