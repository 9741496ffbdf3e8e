package io.shoal.netlink.route;

import io.shoal.netlink.uapi.RtnetlinkH;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * A route: destination prefix, optional gateway, output link, table, type.
 *
 * @param destination network address of the destination prefix (0.0.0.0 or :: for default)
 * @param prefixLength destination prefix length, 0 for the default route
 * @param gateway next hop, empty for a directly connected destination
 * @param outputIndex output link index, 0 to let the kernel pick from the gateway
 * @param table routing table ({@code RT_TABLE_MAIN} = 254)
 * @param onlink whether the gateway is on the link even if no prefix covers it ({@code RTNH_F_ONLINK})
 * @param type {@code RTN_UNICAST} (forward) or {@code RTN_LOCAL} (deliver to this host, as {@code ip
 *     route add local ...}; then no gateway, an output link, typically {@code lo})
 */
public record Route(
        InetAddress destination,
        int prefixLength,
        Optional<InetAddress> gateway,
        int outputIndex,
        int table,
        boolean onlink,
        int type) {

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
        if (type != RtnetlinkH.RTN_UNICAST && type != RtnetlinkH.RTN_LOCAL) {
            throw new IllegalArgumentException("type must be RTN_UNICAST (1) or RTN_LOCAL (2), was " + type);
        }
        if (type == RtnetlinkH.RTN_LOCAL && (gateway.isPresent() || outputIndex == 0)) {
            throw new IllegalArgumentException("a local route has no gateway and needs an output link (lo)");
        }
    }

    /** A unicast route. */
    public Route(
            InetAddress destination,
            int prefixLength,
            Optional<InetAddress> gateway,
            int outputIndex,
            int table,
            boolean onlink) {
        this(destination, prefixLength, gateway, outputIndex, table, onlink, RtnetlinkH.RTN_UNICAST);
    }

    /**
     * {@code ip route add local <destination>/<prefixLength> dev <outputIndex> table <table>}:
     * packets to the prefix are delivered to this host (with a policy rule, what transparent proxies
     * use to receive traffic for addresses the host does not own).
     */
    public static Route local(InetAddress destination, int prefixLength, int outputIndex, int table) {
        return new Route(destination, prefixLength, Optional.empty(), outputIndex, table, false, RtnetlinkH.RTN_LOCAL);
    }

    /** The same route in another table. */
    public Route inTable(int value) {
        return new Route(destination, prefixLength, gateway, outputIndex, value, onlink, type);
    }

    /** True for a {@code local} route. */
    public boolean isLocal() {
        return type == RtnetlinkH.RTN_LOCAL;
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
        return new Route(destination, prefixLength, gateway, outputIndex, table, true, type);
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
