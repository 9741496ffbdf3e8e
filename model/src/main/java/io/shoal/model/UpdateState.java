package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Where a service's rolling update (or rollback) stands, as Docker's {@code UpdateStatus.State}. */
public enum UpdateState {
    UPDATING,
    PAUSED,
    COMPLETED,
    ROLLBACK_STARTED,
    ROLLBACK_PAUSED,
    ROLLBACK_COMPLETED;

    @JsonValue
    public String json() {
        return Enums.dashed(this);
    }

    /** Parses the JSON form in any case; an unknown value is an error listing the accepted ones. */
    @JsonCreator
    public static UpdateState parse(String value) {
        return Enums.parseDashed(UpdateState.class, "update state", value);
    }

    /** True while tasks are being replaced (an update or a rollback that is neither paused nor done). */
    public boolean inProgress() {
        return this == UPDATING || this == ROLLBACK_STARTED;
    }

    /** True for a rollback, in any phase. */
    public boolean rollback() {
        return this == ROLLBACK_STARTED || this == ROLLBACK_PAUSED || this == ROLLBACK_COMPLETED;
    }
}
