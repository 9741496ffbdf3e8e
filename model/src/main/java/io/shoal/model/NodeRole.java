package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** A node's role: managers run the control plane (and may run tasks), workers run tasks only. */
public enum NodeRole {
    MANAGER,
    WORKER;

    @JsonValue
    public String json() {
        return Enums.dashed(this);
    }

    /** Parses the JSON form in any case; an unknown value is an error listing the accepted ones. */
    @JsonCreator
    public static NodeRole parse(String value) {
        return Enums.parseDashed(NodeRole.class, "node role", value);
    }
}
