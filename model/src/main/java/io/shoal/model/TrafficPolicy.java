package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Where a node's routing mesh sends a published port's connections, as Kubernetes'
 * {@code externalTrafficPolicy}: {@code cluster} (default) to any ready task of the service on any
 * node; {@code local} only to ready tasks on the node that accepted the connection, so the task can
 * see the client's own address, and nodes without such a task report the port unhealthy to an
 * external load balancer. Written in JSON as {@code cluster} or {@code local}.
 */
public enum TrafficPolicy {
    CLUSTER,
    LOCAL;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code cluster}/{@code local} in any case; anything else is an error naming the value. */
    @JsonCreator
    public static TrafficPolicy parse(String value) {
        return Enums.parse(TrafficPolicy.class, "traffic policy", value);
    }

    /**
     * Jackson value filter that leaves the default ({@code cluster}) out of the JSON, so records
     * written before the field existed and records written now look the same.
     */
    public static final class OmitDefault {
        @Override
        public boolean equals(Object value) {
            return value == null || value == CLUSTER;
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }
}
