package io.shoal.netlink.route;

import java.net.InetAddress;
import java.util.Optional;

/**
 * A bridge forwarding-database entry (family {@code AF_BRIDGE}): MAC to port, and for a vxlan device
 * MAC to remote VTEP.
 *
 * @param index index of the device that holds the entry (the vxlan device, or a bridge port)
 * @param mac the MAC address
 * @param destination remote VTEP ({@code NDA_DST}) for vxlan entries
 * @param state {@code NUD_*} state
 * @param flags {@code NTF_*} flags ({@code NTF_SELF} for the device's own table)
 */
public record FdbEntry(int index, MacAddress mac, Optional<InetAddress> destination, int state, int flags) {}
