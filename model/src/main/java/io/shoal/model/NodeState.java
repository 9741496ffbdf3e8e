package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** A node's observed state: {@code ready} while its member record is present, {@code down} when it vanished. */
public enum NodeState {
    UNKNOWN,
    DOWN,
    READY,
    DISCONNECTED;

    @JsonValue
    public String json() {
        return Enums.dashed(this);
    }

    /** Parses the JSON form in any case; an unknown value is an error listing the accepted ones. */
    @JsonCreator
    public static NodeState parse(String value) {
        return Enums.parseDashed(NodeState.class, "node state", value);
    }
}
