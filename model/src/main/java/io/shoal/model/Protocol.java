package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Transport protocol of a port. Written in JSON as {@code tcp} or {@code udp}, as Docker does. */
public enum Protocol {
    TCP,
    UDP;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code tcp}/{@code udp} in any case; anything else is an error naming the value. */
    @JsonCreator
    public static Protocol parse(String value) {
        return Enums.parse(Protocol.class, "protocol", value);
    }
}
