package io.shoal.netlink.route;

import io.shoal.netlink.codec.Attribute;
import io.shoal.netlink.codec.Attributes;
import io.shoal.netlink.codec.MessageBuilder;
import io.shoal.netlink.codec.NetlinkMessage;
import io.shoal.netlink.codec.RtMsg;
import io.shoal.netlink.socket.NetlinkSocket;
import io.shoal.netlink.uapi.NetlinkH;
import io.shoal.netlink.uapi.RtnetlinkH;
import io.shoal.netlink.uapi.SocketH;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Routes: add, replace, delete, list (unicast and local routes; the main table or another). */
public final class Routes {
    private final NetlinkSocket socket;

    Routes(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Adds the route; {@code EEXIST} when a route to the same prefix is there. */
    public void add(Route route) {
        MessageBuilder b = request(RtnetlinkH.RTM_NEWROUTE, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_EXCL, route);
        socket.execute(b, "add route " + describe(route));
    }

    /** Adds or replaces the route to the same prefix. */
    public void replace(Route route) {
        MessageBuilder b = request(RtnetlinkH.RTM_NEWROUTE, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_REPLACE, route);
        socket.execute(b, "replace route " + describe(route));
    }

    /** Deletes the route; {@code ESRCH} when absent. */
    public void delete(Route route) {
        MessageBuilder b = request(RtnetlinkH.RTM_DELROUTE, 0, route);
        socket.execute(b, "delete route " + describe(route));
    }

    /** Unicast routes of the main table, for {@code family} ({@code AF_INET}/{@code AF_INET6}). */
    public List<Route> list(int family) {
        return list(family, RtnetlinkH.RT_TABLE_MAIN).stream()
                .filter(r -> !r.isLocal())
                .toList();
    }

    /**
     * Unicast and local routes of {@code table} (1..255), for {@code family}. The kernel's local
     * table (255) holds its own local and broadcast routes; only the local ones are listed.
     */
    public List<Route> list(int family, int table) {
        if (family != SocketH.AF_INET && family != SocketH.AF_INET6) {
            throw new IllegalArgumentException("family must be AF_INET (2) or AF_INET6 (10), was " + family);
        }
        if (table < 1 || table > 255) {
            throw new IllegalArgumentException("table must be in [1, 255], was " + table);
        }
        MessageBuilder b = new MessageBuilder().begin(RtnetlinkH.RTM_GETROUTE, 0);
        new RtMsg(family, 0, 0, 0, 0, 0, 0, 0, 0).encode(b);
        return socket.dump(b, "list routes of table " + table, (m, out) -> decode(m)
                .filter(r -> r.table() == table)
                .ifPresent(out::add));
    }

    static MessageBuilder request(int type, int flags, Route route) {
        Objects.requireNonNull(route, "route");
        boolean v4 = route.destination() instanceof Inet4Address;
        boolean add = type == RtnetlinkH.RTM_NEWROUTE;
        // Like iproute2: boot protocol; host scope for local routes, link scope for directly
        // connected destinations.
        int scope = route.isLocal()
                ? RtnetlinkH.RT_SCOPE_HOST
                : route.gateway().isEmpty() ? RtnetlinkH.RT_SCOPE_LINK : RtnetlinkH.RT_SCOPE_UNIVERSE;
        MessageBuilder b = new MessageBuilder().begin(type, flags);
        new RtMsg(
                        v4 ? SocketH.AF_INET : SocketH.AF_INET6,
                        route.prefixLength(),
                        0,
                        0,
                        route.table(),
                        add ? RtnetlinkH.RTPROT_BOOT : 0,
                        // A delete matches any scope, as iproute2's (RT_SCOPE_NOWHERE).
                        add ? scope : RtnetlinkH.RT_SCOPE_NOWHERE,
                        add || route.isLocal() ? route.type() : 0,
                        route.onlink() ? RtnetlinkH.RTNH_F_ONLINK : 0)
                .encode(b);
        if (route.prefixLength() > 0) {
            b.putAddress(RtnetlinkH.RTA_DST, route.destination());
        }
        route.gateway().ifPresent(g -> b.putAddress(RtnetlinkH.RTA_GATEWAY, g));
        if (route.outputIndex() != 0) {
            b.putU32(RtnetlinkH.RTA_OIF, route.outputIndex());
        }
        b.putU32(RtnetlinkH.RTA_TABLE, route.table());
        return b;
    }

    static Optional<Route> decode(NetlinkMessage m) {
        RtMsg header = RtMsg.decode(m);
        Attributes a = m.attributes(RtMsg.SIZE, "rtmsg");
        int table = a.find(RtnetlinkH.RTA_TABLE).map(Attribute::u32).orElse(header.table());
        if (header.type() != RtnetlinkH.RTN_UNICAST && header.type() != RtnetlinkH.RTN_LOCAL) {
            return Optional.empty(); // broadcast, multicast, blackhole … are not Shoal's
        }
        if (table < 1 || table > 255) {
            return Optional.empty(); // Route holds the u8 tables only
        }
        Optional<InetAddress> gateway = a.find(RtnetlinkH.RTA_GATEWAY).map(Attribute::address);
        int oif = a.find(RtnetlinkH.RTA_OIF).map(Attribute::u32).orElse(0);
        if (gateway.isEmpty() && oif == 0) {
            return Optional.empty(); // multipath routes carry their next hops in RTA_MULTIPATH
        }
        InetAddress destination =
                a.find(RtnetlinkH.RTA_DST).map(Attribute::address).orElseGet(() -> any(header.family()));
        return Optional.of(new Route(
                destination,
                header.dstLength(),
                gateway,
                oif,
                table,
                (header.flags() & RtnetlinkH.RTNH_F_ONLINK) != 0,
                header.type()));
    }

    private static InetAddress any(int family) {
        try {
            return InetAddress.getByAddress(new byte[family == SocketH.AF_INET6 ? 16 : 4]);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static String describe(Route r) {
        return (r.isLocal() ? "local " : "")
                + r.destination().getHostAddress()
                + "/"
                + r.prefixLength()
                + r.gateway().map(g -> " via " + g.getHostAddress()).orElse("")
                + (r.outputIndex() == 0 ? "" : " dev #" + r.outputIndex())
                + (r.onlink() ? " onlink" : "")
                + (r.table() == RtnetlinkH.RT_TABLE_MAIN ? "" : " table " + r.table());
    }
}
