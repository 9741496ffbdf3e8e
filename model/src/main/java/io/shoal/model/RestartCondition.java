package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** When a task that stopped is replaced: never, only after a failure (non-zero exit), or always. */
public enum RestartCondition {
    NONE,
    ON_FAILURE,
    ANY;

    @JsonValue
    public String json() {
        return Enums.dashed(this);
    }

    /** Parses the JSON form in any case; an unknown value is an error listing the accepted ones. */
    @JsonCreator
    public static RestartCondition parse(String value) {
        return Enums.parseDashed(RestartCondition.class, "restart condition", value);
    }
}
