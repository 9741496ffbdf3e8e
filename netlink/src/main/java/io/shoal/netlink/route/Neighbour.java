package io.shoal.netlink.route;

import java.net.InetAddress;
import java.util.Optional;

/**
 * A neighbour (ARP/NDP) entry: IP to MAC on a link.
 *
 * @param index link index
 * @param address the neighbour's IP address
 * @param mac its link-layer address, empty for incomplete or failed entries
 * @param state {@code NUD_*} state
 */
public record Neighbour(int index, InetAddress address, Optional<MacAddress> mac, int state) {
    /** True for a static entry ({@code NUD_PERMANENT}). */
    public boolean isPermanent() {
        return (state & io.shoal.netlink.uapi.NeighbourH.NUD_PERMANENT) != 0;
    }
}
