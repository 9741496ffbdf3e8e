package io.shoal.vxlan;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What one network should look like on this host, for {@link OverlayDriver#reconcile}.
 *
 * @param id network id
 * @param vni VNI
 * @param subnet subnet, e.g. {@code 100.64.1.0/24}
 * @param mtu {@link OverlayMtu#DEFAULT} for underlay − 50
 * @param endpoints the local endpoints
 * @param remotes the remote endpoints
 */
public record DesiredNetwork(
        String id, int vni, String subnet, int mtu, List<LocalEndpoint> endpoints, Set<Remote> remotes) {

    /** A local endpoint, as {@link OverlayDriver#attach} takes it. */
    public record LocalEndpoint(ContainerNamespace container, String ifName, String ip) {
        public LocalEndpoint {
            Objects.requireNonNull(container, "container");
            Objects.requireNonNull(ifName, "ifName");
            Objects.requireNonNull(ip, "ip");
        }
    }

    public DesiredNetwork {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(subnet, "subnet");
        endpoints = List.copyOf(endpoints);
        remotes = Set.copyOf(remotes);
    }
}
