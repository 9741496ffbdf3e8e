package io.shoal.model;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the allocator gave a service: its ports with the published ports filled in, and one VIP per
 * network (vip mode only).
 *
 * @param ports the ports, published ones resolved
 * @param virtualIps one per network the service is on
 */
public record ServiceEndpoint(List<PortConfig> ports, List<VirtualIp> virtualIps) {
    public static final ServiceEndpoint EMPTY = new ServiceEndpoint(List.of(), List.of());

    public ServiceEndpoint {
        ports = Require.list(ports);
        virtualIps = Require.list(virtualIps);
        Set<String> networks = new HashSet<>();
        for (VirtualIp vip : virtualIps) {
            if (!networks.add(vip.networkId())) {
                throw new IllegalArgumentException("virtualIps: two VIPs on network " + vip.networkId());
            }
        }
    }

    /** The VIP on a network, or null when the service has none there. */
    public Cidr vipOn(String networkId) {
        for (VirtualIp vip : virtualIps) {
            if (vip.networkId().equals(networkId)) {
                return vip.address();
            }
        }
        return null;
    }
}
