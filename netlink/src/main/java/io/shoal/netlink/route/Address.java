package io.shoal.netlink.route;

import java.net.InetAddress;
import java.util.Optional;

/**
 * An interface address ({@code RTM_NEWADDR}).
 *
 * @param index interface index
 * @param address the address ({@code IFA_LOCAL}, or {@code IFA_ADDRESS} when there is no local)
 * @param prefixLength prefix length
 * @param scope {@code RT_SCOPE_*}
 * @param label {@code IFA_LABEL} (IPv4 only)
 */
public record Address(int index, InetAddress address, int prefixLength, int scope, Optional<String> label) {
    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefixLength + " on #" + index;
    }
}
