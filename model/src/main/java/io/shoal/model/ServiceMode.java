package io.shoal.model;

import java.util.Objects;

/**
 * Replicated with a number of replicas, or global (one task per eligible node).
 *
 * @param kind replicated or global
 * @param replicas the number of replicas; always 0 for a global service
 */
public record ServiceMode(ServiceModeKind kind, long replicas) {
    public static final ServiceMode GLOBAL = new ServiceMode(ServiceModeKind.GLOBAL, 0);

    public ServiceMode {
        kind = Objects.requireNonNullElse(kind, ServiceModeKind.REPLICATED);
        Require.atLeast("replicas", replicas, 0);
        if (kind == ServiceModeKind.GLOBAL && replicas != 0) {
            throw new IllegalArgumentException("replicas: " + replicas + " given for a global service");
        }
    }

    public static ServiceMode replicated(long replicas) {
        return new ServiceMode(ServiceModeKind.REPLICATED, replicas);
    }

    public boolean global() {
        return kind == ServiceModeKind.GLOBAL;
    }
}
