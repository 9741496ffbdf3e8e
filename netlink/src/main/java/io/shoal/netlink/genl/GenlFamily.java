package io.shoal.netlink.genl;

import java.util.Map;

/**
 * A generic-netlink family as the controller describes it.
 *
 * @param name family name, e.g. "nlctrl", "IPVS"
 * @param id message type to use for this family's requests
 * @param version family version
 * @param headerSize size of the family's own header after {@code genlmsghdr}
 * @param maxAttribute highest attribute type
 * @param multicastGroups multicast group name to group id
 */
public record GenlFamily(
        String name, int id, int version, int headerSize, int maxAttribute, Map<String, Integer> multicastGroups) {
    public GenlFamily {
        multicastGroups = Map.copyOf(multicastGroups);
    }
}
