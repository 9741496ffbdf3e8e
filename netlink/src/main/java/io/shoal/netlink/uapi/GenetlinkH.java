package io.shoal.netlink.uapi;

/** Constants of {@code <linux/genetlink.h>}: the generic-netlink controller. */
public final class GenetlinkH {
    private GenetlinkH() {}

    /** {@code GENL_HDRLEN}: {@code sizeof(struct genlmsghdr)}, cmd u8, version u8, reserved u16. */
    public static final int GENL_HDRLEN = 4;

    /** {@code GENL_ID_CTRL}: the controller's fixed family id. */
    public static final int GENL_ID_CTRL = 0x10;

    /** {@code CTRL_CMD_NEWFAMILY}: the controller's answer to GETFAMILY. */
    public static final int CTRL_CMD_NEWFAMILY = 1;
    /** {@code CTRL_CMD_GETFAMILY}. */
    public static final int CTRL_CMD_GETFAMILY = 3;

    public static final int CTRL_ATTR_FAMILY_ID = 1;
    public static final int CTRL_ATTR_FAMILY_NAME = 2;
    public static final int CTRL_ATTR_VERSION = 3;
    public static final int CTRL_ATTR_HDRSIZE = 4;
    public static final int CTRL_ATTR_MAXATTR = 5;
    public static final int CTRL_ATTR_MCAST_GROUPS = 7;

    /** {@code CTRL_ATTR_MCAST_GRP_NAME} (inside one entry of {@code CTRL_ATTR_MCAST_GROUPS}). */
    public static final int CTRL_ATTR_MCAST_GRP_NAME = 1;
    /** {@code CTRL_ATTR_MCAST_GRP_ID}. */
    public static final int CTRL_ATTR_MCAST_GRP_ID = 2;
}
