package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An overlay network, stored at {@code /shoal/networks/<id>}: the spec plus what the allocator gave
 * it.
 *
 * @param meta id and version index
 * @param spec what the user asked
 * @param vni the VXLAN id, 0 until allocated
 * @param subnet the subnet in use, null until allocated
 * @param gateway the gateway address (with the subnet's prefix), null until allocated
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Network(Meta meta, NetworkSpec spec, int vni, Cidr subnet, Cidr gateway) implements Versioned<Network> {
    /** The first VNI handed out; lower ones are left to other VXLAN users of the hosts. */
    public static final int FIRST_VNI = 4096;

    public Network {
        Require.notNull("network meta", meta);
        Require.notNull("network spec", spec);
        if (vni != 0) {
            Require.between("vni", vni, 1, 0xFFFFFF);
        }
        if ((vni == 0) != (subnet == null)) {
            throw new IllegalArgumentException("network " + spec.name()
                    + ": vni and subnet are allocated together (vni " + vni + ", subnet " + subnet + ")");
        }
        if (subnet != null && spec.subnet() != null && !subnet.equals(spec.subnet())) {
            throw new IllegalArgumentException(
                    "subnet: allocated " + subnet + " differs from the asked " + spec.subnet());
        }
        if (gateway != null && (subnet == null || !subnet.contains(gateway.address()))) {
            throw new IllegalArgumentException("gateway: " + gateway + " is outside subnet " + subnet);
        }
    }

    /** A network not yet allocated. */
    public static Network unallocated(Meta meta, NetworkSpec spec) {
        return new Network(meta, spec, 0, null, null);
    }

    /** True once the allocator gave it a VNI and a subnet. */
    public boolean allocated() {
        return vni != 0;
    }

    /** This network with its allocation. */
    public Network withAllocation(int newVni, Cidr newSubnet, Cidr newGateway) {
        return new Network(meta, spec, newVni, newSubnet, newGateway);
    }

    @Override
    public Network withMeta(Meta value) {
        return new Network(value, spec, vni, subnet, gateway);
    }

    public String name() {
        return spec.name();
    }
}
