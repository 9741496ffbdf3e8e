package io.shoal.netlink.route;

import io.shoal.netlink.uapi.RtnetlinkH;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * A route: destination prefix, optional gateway, output link, table.
 *
 * @param destination network address of the destination prefix (0.0.0.0 or :: for default)
 * @param prefixLength destination prefix length, 0 for the default route
 * @param gateway next hop, empty for a directly connected destination
 * @param outputIndex output link index, 0 to let the kernel pick from the gateway
 * @param table routing table ({@code RT_TABLE_MAIN} = 254)
 * @param onlink whether the gateway is on the link even if no prefix covers it ({@code RTNH_F_ONLINK})
 */
public record Route(
        InetAddress destination,
        int prefixLength,
        Optional<InetAddress> gateway,
        int outputIndex,
        int table,
        boolean onlink) {

    public Route {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(gateway, "gateway");
        int max = destination instanceof Inet4Address ? 32 : 128;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefixLength must be in [0, " + max + "], was " + prefixLength);
        }
        if (gateway.isPresent() && (gateway.get() instanceof Inet4Address) != (destination instanceof Inet4Address)) {
            throw new IllegalArgumentException("gateway " + gateway.get() + " is not of the destination's family");
        }
        if (outputIndex < 0) {
            throw new IllegalArgumentException("outputIndex must be >= 0, was " + outputIndex);
        }
        if (table < 1 || table > 255) {
            throw new IllegalArgumentException("table must be in [1, 255], was " + table);
        }
        if (gateway.isEmpty() && outputIndex == 0) {
            throw new IllegalArgumentException("a route needs a gateway or an output link");
        }
    }

    /** The default route via {@code gateway} out of link {@code outputIndex} (0: any), main table. */
    public static Route defaultVia(InetAddress gateway, int outputIndex) {
        InetAddress any = anyOf(gateway);
        return new Route(any, 0, Optional.of(gateway), outputIndex, RtnetlinkH.RT_TABLE_MAIN, false);
    }

    /** {@code destination/prefixLength} via {@code gateway}, main table. */
    public static Route via(InetAddress destination, int prefixLength, InetAddress gateway, int outputIndex) {
        return new Route(destination, prefixLength, Optional.of(gateway), outputIndex, RtnetlinkH.RT_TABLE_MAIN, false);
    }

    /** {@code destination/prefixLength} directly on link {@code outputIndex}, main table. */
    public static Route direct(InetAddress destination, int prefixLength, int outputIndex) {
        return new Route(destination, prefixLength, Optional.empty(), outputIndex, RtnetlinkH.RT_TABLE_MAIN, false);
    }

    /** The same route with {@code RTNH_F_ONLINK} set. */
    public Route withOnlink() {
        return new Route(destination, prefixLength, gateway, outputIndex, table, true);
    }

    /** True for a default route (prefix length 0). */
    public boolean isDefault() {
        return prefixLength == 0;
    }

    private static InetAddress anyOf(InetAddress like) {
        try {
            return InetAddress.getByAddress(new byte[like.getAddress().length]);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
