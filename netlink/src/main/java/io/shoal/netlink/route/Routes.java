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

/** Routes: add, delete, list (main table by default; unicast routes only). */
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
        if (family != SocketH.AF_INET && family != SocketH.AF_INET6) {
            throw new IllegalArgumentException("family must be AF_INET (2) or AF_INET6 (10), was " + family);
        }
        MessageBuilder b = new MessageBuilder().begin(RtnetlinkH.RTM_GETROUTE, 0);
        new RtMsg(family, 0, 0, 0, 0, 0, 0, 0, 0).encode(b);
        return socket.dump(b, "list routes", (m, out) -> decode(m).ifPresent(out::add));
    }

    private static MessageBuilder request(int type, int flags, Route route) {
        Objects.requireNonNull(route, "route");
        boolean v4 = route.destination() instanceof Inet4Address;
        boolean add = type == RtnetlinkH.RTM_NEWROUTE;
        // Like iproute2: boot protocol; link scope for directly connected destinations.
        int scope = route.gateway().isEmpty() ? RtnetlinkH.RT_SCOPE_LINK : RtnetlinkH.RT_SCOPE_UNIVERSE;
        MessageBuilder b = new MessageBuilder().begin(type, flags);
        new RtMsg(
                        v4 ? SocketH.AF_INET : SocketH.AF_INET6,
                        route.prefixLength(),
                        0,
                        0,
                        route.table(),
                        add ? RtnetlinkH.RTPROT_BOOT : 0,
                        add ? scope : RtnetlinkH.RT_SCOPE_UNIVERSE,
                        add ? RtnetlinkH.RTN_UNICAST : 0,
                        route.onlink() ? RtnetlinkH.RTNH_F_ONLINK : 0)
                .encode(b);
        if (route.prefixLength() > 0) {
            b.putAddress(RtnetlinkH.RTA_DST, route.destination());
        }
        route.gateway().ifPresent(g -> b.putAddress(RtnetlinkH.RTA_GATEWAY, g));
        if (route.outputIndex() != 0) {
            b.putU32(RtnetlinkH.RTA_OIF, route.outputIndex());
        }
        return b;
    }

    static Optional<Route> decode(NetlinkMessage m) {
        RtMsg header = RtMsg.decode(m);
        Attributes a = m.attributes(RtMsg.SIZE, "rtmsg");
        int table = a.find(RtnetlinkH.RTA_TABLE).map(Attribute::u32).orElse(header.table());
        if (header.type() != RtnetlinkH.RTN_UNICAST || table != RtnetlinkH.RT_TABLE_MAIN) {
            return Optional.empty(); // local, broadcast, multicast and other tables are not Shoal's
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
                (header.flags() & RtnetlinkH.RTNH_F_ONLINK) != 0));
    }

    private static InetAddress any(int family) {
        try {
            return InetAddress.getByAddress(new byte[family == SocketH.AF_INET6 ? 16 : 4]);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static String describe(Route r) {
        return r.destination().getHostAddress()
                + "/"
                + r.prefixLength()
                + r.gateway().map(g -> " via " + g.getHostAddress()).orElse("")
                + (r.outputIndex() == 0 ? "" : " dev #" + r.outputIndex())
                + (r.onlink() ? " onlink" : "");
    }
}
