package io.shoal.ingress.mesh;

import io.shoal.ingress.policy.PortKey;
import io.shoal.ingress.policy.PortPolicy;
import java.util.Map;
import java.util.Objects;

/**
 * Proxy options per published port: a default and overrides keyed by port and protocol. The agent
 * fills the PROXY protocol fields from each port's {@code PortConfig} (proxyProtocol,
 * trustedProxies).
 */
public record PortPolicies(PortPolicy defaults, Map<PortKey, PortPolicy> overrides) {
    public PortPolicies {
        Objects.requireNonNull(defaults, "defaults");
        overrides = Map.copyOf(Objects.requireNonNull(overrides, "overrides"));
    }

    /** The same policy for every port. */
    public static PortPolicies of(PortPolicy defaults) {
        return new PortPolicies(defaults, Map.of());
    }

    /** {@link PortPolicy#DEFAULT} for every port. */
    public static PortPolicies standard() {
        return of(PortPolicy.DEFAULT);
    }

    /** The policy of one port: its override, else the default. */
    public PortPolicy forPort(PortKey key) {
        return overrides.getOrDefault(key, defaults);
    }

    /** A copy with {@code policy} for {@code key}. */
    public PortPolicies with(PortKey key, PortPolicy policy) {
        Map<PortKey, PortPolicy> m = new java.util.HashMap<>(overrides);
        m.put(key, policy);
        return new PortPolicies(defaults, m);
    }
}
