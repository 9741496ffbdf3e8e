package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Whether a rolling update stops the old task before starting its replacement, or starts the new one first. */
public enum UpdateOrder {
    STOP_FIRST,
    START_FIRST;

    @JsonValue
    public String json() {
        return Enums.dashed(this);
    }

    /** Parses the JSON form in any case; an unknown value is an error listing the accepted ones. */
    @JsonCreator
    public static UpdateOrder parse(String value) {
        return Enums.parseDashed(UpdateOrder.class, "update order", value);
    }
}
