package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What a rolling update does when too many updated tasks fail. */
public enum FailureAction {
    PAUSE,
    CONTINUE,
    ROLLBACK;

    @JsonValue
    public String json() {
        return Enums.dashed(this);
    }

    /** Parses the JSON form in any case; an unknown value is an error listing the accepted ones. */
    @JsonCreator
    public static FailureAction parse(String value) {
        return Enums.parseDashed(FailureAction.class, "failure action", value);
    }
}
