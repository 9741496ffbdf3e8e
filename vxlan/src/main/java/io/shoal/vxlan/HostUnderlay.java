package io.shoal.vxlan;

import io.shoal.netlink.ns.NetNs;
import java.net.Inet4Address;
import java.util.Objects;

/**
 * The host side of the overlay: the namespace the host's underlay lives in (for a testbed host, that
 * host's namespace, not the machine's root namespace), the underlay address used as local VTEP, and
 * the underlay device that holds it.
 *
 * @param namespace the host namespace; the driver does not close it
 * @param address the host's underlay address (local VTEP)
 * @param device the underlay device, e.g. {@code eth0}
 */
public record HostUnderlay(NetNs namespace, Inet4Address address, String device) {
    public HostUnderlay {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(device, "device");
    }
}
