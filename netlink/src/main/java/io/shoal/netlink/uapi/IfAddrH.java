package io.shoal.netlink.uapi;

/** Constants of {@code <linux/if_addr.h>}. */
public final class IfAddrH {
    private IfAddrH() {}

    /** {@code sizeof(struct ifaddrmsg)}. */
    public static final int IFADDRMSG_SIZE = 8;

    public static final int IFA_ADDRESS = 1;
    public static final int IFA_LOCAL = 2;
    public static final int IFA_LABEL = 3;
    public static final int IFA_BROADCAST = 4;
    public static final int IFA_FLAGS = 8;

    /** {@code IFA_F_NODAD}: no duplicate address detection (IPv6), so the address is usable at once. */
    public static final int IFA_F_NODAD = 0x02;
    /** {@code IFA_F_PERMANENT}. */
    public static final int IFA_F_PERMANENT = 0x80;
}
