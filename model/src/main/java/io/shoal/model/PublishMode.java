package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * How a published port is exposed: {@code ingress} answers on every node through the routing mesh;
 * {@code host} binds only on nodes that run a task of the service.
 */
public enum PublishMode {
    INGRESS,
    HOST;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static PublishMode parse(String value) {
        return Enums.parse(PublishMode.class, "publish mode", value);
    }
}
