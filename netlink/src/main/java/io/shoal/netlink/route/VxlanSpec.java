package io.shoal.netlink.route;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * Parameters of a vxlan device.
 *
 * @param vni VXLAN network identifier, 1..16777215
 * @param port destination UDP port (4789 is IANA's)
 * @param local local VTEP address the device sends from, if bound to one
 * @param learning whether the device learns remote MACs from traffic (Shoal turns it off and
 *     programs static FDB entries)
 * @param underlayIndex index of the underlay device, 0 for any
 */
public record VxlanSpec(int vni, int port, Optional<InetAddress> local, boolean learning, int underlayIndex) {
    /** The IANA VXLAN port. */
    public static final int IANA_PORT = 4789;

    public VxlanSpec {
        if (vni < 1 || vni > 0xffffff) {
            throw new IllegalArgumentException("vni must be in [1, 16777215], was " + vni);
        }
        if (port < 1 || port > 0xffff) {
            throw new IllegalArgumentException("port must be in [1, 65535], was " + port);
        }
        Objects.requireNonNull(local, "local");
        if (underlayIndex < 0) {
            throw new IllegalArgumentException("underlayIndex must be >= 0, was " + underlayIndex);
        }
    }

    /** A vxlan on UDP 4789 sending from {@code local}, learning off, no underlay device bound. */
    public static VxlanSpec of(int vni, InetAddress local) {
        return new VxlanSpec(vni, IANA_PORT, Optional.of(local), false, 0);
    }

    /** The same with a different underlay device index. */
    public VxlanSpec withUnderlay(int index) {
        return new VxlanSpec(vni, port, local, learning, index);
    }
}
