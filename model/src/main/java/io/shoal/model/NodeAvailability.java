package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What the scheduler may do with a node: {@code active} gets tasks, {@code pause} keeps its tasks but gets no new ones, {@code drain} has its tasks moved away. */
public enum NodeAvailability {
    ACTIVE,
    PAUSE,
    DRAIN;

    @JsonValue
    public String json() {
        return Enums.dashed(this);
    }

    /** Parses the JSON form in any case; an unknown value is an error listing the accepted ones. */
    @JsonCreator
    public static NodeAvailability parse(String value) {
        return Enums.parseDashed(NodeAvailability.class, "node availability", value);
    }
}
