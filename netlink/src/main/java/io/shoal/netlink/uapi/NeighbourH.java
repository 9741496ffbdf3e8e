package io.shoal.netlink.uapi;

/** Constants of {@code <linux/neighbour.h>}, NDA_*, NUD_*, NTF_*. */
public final class NeighbourH {
    private NeighbourH() {}

    /** {@code sizeof(struct ndmsg)}. */
    public static final int NDMSG_SIZE = 12;

    public static final int NDA_DST = 1;
    public static final int NDA_LLADDR = 2;
    public static final int NDA_PORT = 6;
    public static final int NDA_VNI = 7;
    public static final int NDA_IFINDEX = 8;
    public static final int NDA_MASTER = 9;

    /** {@code NUD_REACHABLE}. */
    public static final int NUD_REACHABLE = 0x02;
    /** {@code NUD_NOARP}. */
    public static final int NUD_NOARP = 0x40;
    /** {@code NUD_PERMANENT}: a static entry that never expires. */
    public static final int NUD_PERMANENT = 0x80;

    /** {@code NTF_SELF}: the entry is for the device itself (e.g. a vxlan's FDB), not its master. */
    public static final int NTF_SELF = 0x02;
    /** {@code NTF_MASTER}: the entry is for the device's master bridge. */
    public static final int NTF_MASTER = 0x04;
}
