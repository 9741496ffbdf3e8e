package io.shoal.model;

/**
 * A service's virtual IP on one network.
 *
 * @param networkId the network
 * @param address the VIP with the network's prefix length, e.g. {@code 100.64.0.2/24}
 */
public record VirtualIp(String networkId, Cidr address) {
    public VirtualIp {
        Require.notBlank("vip network id", networkId);
        Require.notNull("vip address", address);
    }
}
