package io.shoal.vxlan;

/**
 * The MTU of an overlay network: the underlay's minus the VXLAN encapsulation (outer Ethernet 14 +
 * IPv4 20 + UDP 8 + VXLAN 8 = 50 bytes), so that encapsulated frames never exceed the underlay MTU.
 */
public final class OverlayMtu {
    /** Bytes that VXLAN over IPv4 adds to a frame. */
    public static final int VXLAN_OVERHEAD = 50;
    /** The smallest MTU IPv4 allows (RFC 791). */
    public static final int MIN_MTU = 68;
    /** Asks for the default: underlay MTU − {@value #VXLAN_OVERHEAD}. */
    public static final int DEFAULT = 0;

    private OverlayMtu() {}

    /**
     * The MTU to use.
     *
     * @param requested {@link #DEFAULT} (0) for underlay − 50, else the MTU wanted
     * @param underlayMtu the underlay device's MTU
     * @throws IllegalArgumentException naming {@code mtu} when it is too small or larger than the
     *     underlay can carry
     */
    public static int resolve(int requested, int underlayMtu) {
        int max = underlayMtu - VXLAN_OVERHEAD;
        if (max < MIN_MTU) {
            throw new IllegalArgumentException("underlay MTU " + underlayMtu
                    + " is too small for VXLAN: it needs at least " + (MIN_MTU + VXLAN_OVERHEAD));
        }
        if (requested == DEFAULT) {
            return max;
        }
        if (requested < MIN_MTU) {
            throw new IllegalArgumentException(
                    "mtu must be at least " + MIN_MTU + " (IPv4 minimum), or 0 for the default, was " + requested);
        }
        if (requested > max) {
            throw new IllegalArgumentException("mtu must be at most " + max + " (underlay MTU " + underlayMtu + " − "
                    + VXLAN_OVERHEAD + " bytes of VXLAN encapsulation), was " + requested);
        }
        return requested;
    }
}
