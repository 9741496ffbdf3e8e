package io.shoal.model.table;

/**
 * A network as the data plane sees it: its id, its user-facing name and its VXLAN id.
 *
 * @param id the network id
 * @param name the network name, unique in the cluster (case-insensitive for DNS)
 * @param vni the VXLAN network identifier, 1..16777215
 */
public record NetworkEntry(String id, String name, int vni) {
    public NetworkEntry {
        Checks.notBlank("network id", id);
        Checks.notBlank("network name", name);
        if (vni < 1 || vni > 0xFFFFFF) {
            throw new IllegalArgumentException("network " + name + ": vni " + vni + " is outside 1..16777215");
        }
    }
}
