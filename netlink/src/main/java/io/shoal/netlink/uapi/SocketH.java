package io.shoal.netlink.uapi;

/** Constants of {@code <sys/socket.h>} (glibc, Linux x86-64 and arm64 share these values). */
public final class SocketH {
    private SocketH() {}

    public static final int AF_UNSPEC = 0;
    public static final int AF_INET = 2;
    /** {@code AF_BRIDGE}: the family of bridge FDB requests. */
    public static final int AF_BRIDGE = 7;

    public static final int AF_INET6 = 10;
    public static final int AF_NETLINK = 16;

    /** {@code SOCK_RAW}. */
    public static final int SOCK_RAW = 3;
    /** {@code SOCK_CLOEXEC}: do not leak the descriptor into exec'd children. */
    public static final int SOCK_CLOEXEC = 0x80000;

    /** {@code MSG_PEEK}: look at the next datagram without taking it. */
    public static final int MSG_PEEK = 0x2;
    /** {@code MSG_TRUNC}: on receive, return the datagram's real length even if it did not fit. */
    public static final int MSG_TRUNC = 0x20;

    /** {@code SOL_SOCKET}. */
    public static final int SOL_SOCKET = 1;
    /** {@code SO_RCVBUF}. */
    public static final int SO_RCVBUF = 8;
    /** {@code SO_RCVTIMEO}. */
    public static final int SO_RCVTIMEO = 20;
}
