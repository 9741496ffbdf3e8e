package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * What the user asked for a network. Only the {@code overlay} driver exists.
 *
 * @param name unique network name
 * @param labels user labels
 * @param subnet the subnet asked for, or null to let the allocator carve one from the default pool
 * @param gateway the gateway address asked for (inside {@code subnet}), or null for the first
 *     address
 * @param attachable true when standalone containers may attach (not only service tasks)
 * @param internal true when the network has no way out of the overlay
 * @param ingress true for the routing-mesh network that every node joins
 * @param mtu the MTU of the overlay links; 0 for the default ({@link #DEFAULT_MTU})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NetworkSpec(
        String name,
        Map<String, String> labels,
        Cidr subnet,
        Cidr gateway,
        boolean attachable,
        boolean internal,
        boolean ingress,
        int mtu) {
    /** 1500 minus the 50 bytes of VXLAN encapsulation. */
    public static final int DEFAULT_MTU = 1450;

    public NetworkSpec {
        Require.name("network name", name, 63);
        labels = Require.labels("network labels", labels);
        if (subnet != null && !subnet.isNetwork()) {
            throw new IllegalArgumentException(
                    "subnet: '" + subnet + "' has host bits set (did you mean " + subnet.network() + "?)");
        }
        if (subnet != null && subnet.prefix() > 30) {
            throw new IllegalArgumentException("subnet: '" + subnet + "' is too small, the prefix must be <= 30");
        }
        if (gateway != null) {
            if (subnet == null) {
                throw new IllegalArgumentException("gateway: '" + gateway + "' needs a subnet");
            }
            if (!subnet.contains(gateway.address())
                    || gateway.address() == subnet.first()
                    || gateway.address() == subnet.last()) {
                throw new IllegalArgumentException(
                        "gateway: " + Cidr.format(gateway.address()) + " is not a host address of subnet " + subnet);
            }
            gateway = gateway.withPrefix(subnet.prefix());
        }
        if (mtu != 0) {
            Require.between("mtu", mtu, 576, 9216);
        }
    }

    /** An overlay network with defaults: subnet from the pool, default MTU. */
    public static NetworkSpec overlay(String name) {
        return new NetworkSpec(name, Map.of(), null, null, false, false, false, 0);
    }

    /** An overlay network on the given subnet. */
    public static NetworkSpec overlay(String name, String subnet) {
        return new NetworkSpec(name, Map.of(), Cidr.parse("subnet", subnet), null, false, false, false, 0);
    }

    /** The MTU in effect: the asked one or the default. */
    public int effectiveMtu() {
        return mtu == 0 ? DEFAULT_MTU : mtu;
    }
}
