package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Which PROXY protocol header a node's routing mesh sends to a task before the client's bytes, so
 * the task learns the client's address and port: {@code none} (default), {@code v1} (the text
 * line) or {@code v2} (binary). Written in JSON as {@code none}, {@code v1} or {@code v2}.
 */
public enum ProxyProtocolVersion {
    NONE,
    V1,
    V2;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code none}/{@code v1}/{@code v2} in any case; anything else names the accepted values. */
    @JsonCreator
    public static ProxyProtocolVersion parse(String value) {
        return Enums.parse(ProxyProtocolVersion.class, "proxyProtocol", value);
    }

    /** Jackson value filter that leaves the default ({@code none}) out of the JSON. */
    public static final class OmitDefault {
        @Override
        public boolean equals(Object value) {
            return value == null || value == NONE;
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }
}
