package io.shoal.netlink;

import io.shoal.netlink.socket.NetlinkSocket;
import io.shoal.netlink.sys.Native;
import io.shoal.netlink.uapi.NetlinkH;

/**
 * Whether this process can talk netlink: libc binds through JNR-FFI and a {@code NETLINK_ROUTE}
 * socket opens. Checked once, like Netty's {@code Epoll.isAvailable()}.
 */
public final class Netlink {
    private static final Throwable UNAVAILABILITY_CAUSE = probe();

    private Netlink() {}

    private static Throwable probe() {
        if (!Native.isAvailable()) {
            return Native.unavailabilityCause();
        }
        try (NetlinkSocket socket = NetlinkSocket.open(NetlinkH.NETLINK_ROUTE)) {
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    /** True when netlink sockets can be opened. */
    public static boolean isAvailable() {
        return UNAVAILABILITY_CAUSE == null;
    }

    /** Why netlink is unavailable, or null when it is available. */
    public static Throwable unavailabilityCause() {
        return UNAVAILABILITY_CAUSE;
    }

    /** Throws {@link UnsupportedOperationException} with the cause when netlink is unavailable. */
    public static void ensureAvailability() {
        if (UNAVAILABILITY_CAUSE != null) {
            throw new UnsupportedOperationException("netlink is not available", UNAVAILABILITY_CAUSE);
        }
    }
}
