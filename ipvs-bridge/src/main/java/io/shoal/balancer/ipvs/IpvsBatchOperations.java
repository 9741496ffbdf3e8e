package io.shoal.balancer.ipvs;

import java.util.List;
import java.util.SortedMap;

/**
 * {@link IpvsOperations} that can also send many one-request steps at once: {@link IpvsClient}
 * packs them into one netlink datagram. The kernel handles each request of a datagram on its own,
 * in order, so each step succeeds or fails as if it had been sent alone, and the steps after a
 * refused one are still applied.
 */
public interface IpvsBatchOperations extends IpvsOperations {
    /**
     * Sends {@code steps}, each exactly one request, in one go.
     *
     * @return the refused steps by position in {@code steps}, with the kernel's answer; empty when
     *     all were applied
     * @throws IllegalArgumentException when a step is more than one request
     */
    SortedMap<Integer, RuntimeException> applyAll(List<IpvsChange> steps);
}
