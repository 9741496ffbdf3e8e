package io.shoal.balancer.ipvs;

/**
 * What {@code IPVS_CMD_GET_INFO} reports.
 *
 * @param version IPVS version code, e.g. {@code 0x010201} for 1.2.1
 * @param connectionTableSize size of the connection hash table
 */
public record IpvsInfo(int version, int connectionTableSize) {
    /** The version as {@code 1.2.1}. */
    public String versionString() {
        return ((version >> 16) & 0xff) + "." + ((version >> 8) & 0xff) + "." + (version & 0xff);
    }
}
