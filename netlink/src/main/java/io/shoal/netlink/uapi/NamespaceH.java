package io.shoal.netlink.uapi;

/**
 * Constants for namespace handling: {@code <sched.h>} ({@code CLONE_NEWNET}), {@code <sys/mount.h>}
 * ({@code MS_*}, {@code MNT_DETACH}) and {@code <fcntl.h>} ({@code O_*}, Linux generic values).
 */
public final class NamespaceH {
    private NamespaceH() {}

    /** {@code CLONE_NEWNET}: a new network namespace (unshare) / the namespace type (setns). */
    public static final int CLONE_NEWNET = 0x40000000;

    /** {@code MS_BIND}. */
    public static final long MS_BIND = 4096;
    /** {@code MS_REC}. */
    public static final long MS_REC = 16384;
    /** {@code MS_SHARED}. */
    public static final long MS_SHARED = 1 << 20;
    /** {@code MNT_DETACH}: lazy unmount, as {@code ip netns delete} does. */
    public static final int MNT_DETACH = 2;

    /** {@code O_RDONLY}. */
    public static final int O_RDONLY = 0;
    /** {@code O_CREAT}. */
    public static final int O_CREAT = 0100;
    /** {@code O_EXCL}. */
    public static final int O_EXCL = 0200;
    /** {@code O_CLOEXEC}. */
    public static final int O_CLOEXEC = 02000000;
}
