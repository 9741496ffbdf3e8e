package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * How a service name resolves: {@code vip} to one virtual IP balanced in the kernel, {@code dnsrr}
 * to the addresses of every healthy task.
 */
public enum EndpointMode {
    VIP,
    DNSRR;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static EndpointMode parse(String value) {
        return Enums.parse(EndpointMode.class, "endpoint mode", value);
    }
}
