package io.shoal.vxlan;

import io.shoal.netlink.NetlinkException;
import java.util.Optional;

/**
 * The kernel refused a step of an overlay operation. The message says which operation, on which
 * network, and carries the netlink error's text (request, errno, the kernel's own message).
 */
public final class OverlayException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param operation what the driver was doing, e.g. {@code ensure network "a" (vni 4097)} */
    public OverlayException(String operation, Throwable cause) {
        super(operation + ": " + cause.getMessage(), cause);
    }

    /** The netlink error behind this one, if the kernel refused a request. */
    public Optional<NetlinkException> netlinkCause() {
        return getCause() instanceof NetlinkException n ? Optional.of(n) : Optional.empty();
    }
}
