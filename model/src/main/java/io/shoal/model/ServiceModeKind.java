package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** A service runs a fixed number of replicas ({@code replicated}) or one task on every eligible node ({@code global}). */
public enum ServiceModeKind {
    REPLICATED,
    GLOBAL;

    @JsonValue
    public String json() {
        return Enums.dashed(this);
    }

    /** Parses the JSON form in any case; an unknown value is an error listing the accepted ones. */
    @JsonCreator
    public static ServiceModeKind parse(String value) {
        return Enums.parseDashed(ServiceModeKind.class, "service mode", value);
    }
}
