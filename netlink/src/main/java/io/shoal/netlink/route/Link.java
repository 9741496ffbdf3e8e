package io.shoal.netlink.route;

import io.shoal.netlink.uapi.IfLinkH;
import java.util.Optional;

/**
 * A network link as the kernel reports it ({@code RTM_NEWLINK}).
 *
 * @param index interface index
 * @param name interface name
 * @param kind link kind from {@code IFLA_INFO_KIND} ("veth", "bridge", "vxlan"), empty for
 *     physical or loopback links
 * @param flags {@code IFF_*} flags
 * @param mtu MTU in bytes
 * @param masterIndex index of the bridge this link is enslaved to, 0 when none
 * @param mac link-layer address, empty for links without one
 * @param vxlan vxlan parameters when {@code kind} is "vxlan"
 */
public record Link(
        int index,
        String name,
        Optional<String> kind,
        int flags,
        int mtu,
        int masterIndex,
        Optional<MacAddress> mac,
        Optional<VxlanSpec> vxlan) {

    /** True when administratively up ({@code IFF_UP}). */
    public boolean isUp() {
        return (flags & IfLinkH.IFF_UP) != 0;
    }

    /** True when enslaved to a bridge. */
    public boolean hasMaster() {
        return masterIndex != 0;
    }
}
