package io.shoal.netlink.route;

import io.shoal.netlink.codec.Attribute;
import io.shoal.netlink.codec.Attributes;
import io.shoal.netlink.codec.MessageBuilder;
import io.shoal.netlink.codec.NdMsg;
import io.shoal.netlink.codec.NetlinkMessage;
import io.shoal.netlink.socket.NetlinkSocket;
import io.shoal.netlink.socket.Request;
import io.shoal.netlink.uapi.NeighbourH;
import io.shoal.netlink.uapi.NetlinkH;
import io.shoal.netlink.uapi.RtnetlinkH;
import io.shoal.netlink.uapi.SocketH;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Static neighbour (IP to MAC) entries: add, replace, delete, list. */
public final class Neighbours {
    private final NetlinkSocket socket;

    Neighbours(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Adds a permanent entry; {@code EEXIST} when one for {@code address} is there. */
    public void add(int index, InetAddress address, MacAddress mac) {
        execute(addRequest(index, address, mac));
    }

    /** Adds or replaces a permanent entry (idempotent). */
    public void replace(int index, InetAddress address, MacAddress mac) {
        execute(replaceRequest(index, address, mac));
    }

    /** Deletes the entry for {@code address}; {@code ENOENT} when absent. */
    public void delete(int index, InetAddress address) {
        execute(deleteRequest(index, address));
    }

    /** The request {@link #add} sends, for {@link RouteNetlink#executeAll}. */
    public Request addRequest(int index, InetAddress address, MacAddress mac) {
        Objects.requireNonNull(mac, "mac");
        return new Request(
                request(RtnetlinkH.RTM_NEWNEIGH, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_EXCL, index, address, mac),
                "add neighbour " + address.getHostAddress() + " lladdr " + mac + " on link #" + index);
    }

    /** The request {@link #replace} sends, for {@link RouteNetlink#executeAll}. */
    public Request replaceRequest(int index, InetAddress address, MacAddress mac) {
        Objects.requireNonNull(mac, "mac");
        return new Request(
                request(RtnetlinkH.RTM_NEWNEIGH, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_REPLACE, index, address, mac),
                "replace neighbour " + address.getHostAddress() + " lladdr " + mac + " on link #" + index);
    }

    /** The request {@link #delete} sends, for {@link RouteNetlink#executeAll}. */
    public Request deleteRequest(int index, InetAddress address) {
        return new Request(
                request(RtnetlinkH.RTM_DELNEIGH, 0, index, address, null),
                "delete neighbour " + address.getHostAddress() + " on link #" + index);
    }

    private void execute(Request r) {
        socket.execute(r.message(), r.what());
    }

    /** IPv4 and IPv6 neighbour entries on link {@code index}. */
    public List<Neighbour> list(int index) {
        MessageBuilder b = new MessageBuilder().begin(RtnetlinkH.RTM_GETNEIGH, 0);
        new NdMsg(SocketH.AF_UNSPEC, 0, 0, 0, 0).encode(b);
        return socket.dump(b, "list neighbours", (m, out) -> decode(m)
                .filter(n -> n.index() == index)
                .ifPresent(out::add));
    }

    private static MessageBuilder request(int type, int flags, int index, InetAddress address, MacAddress mac) {
        Objects.requireNonNull(address, "address");
        if (index <= 0) {
            throw new IllegalArgumentException("index must be > 0, was " + index);
        }
        int family = address instanceof Inet4Address ? SocketH.AF_INET : SocketH.AF_INET6;
        MessageBuilder b = new MessageBuilder().begin(type, flags);
        new NdMsg(family, index, type == RtnetlinkH.RTM_NEWNEIGH ? NeighbourH.NUD_PERMANENT : 0, 0, 0).encode(b);
        b.putAddress(NeighbourH.NDA_DST, address);
        if (mac != null) {
            b.putBytes(NeighbourH.NDA_LLADDR, mac.bytes());
        }
        return b;
    }

    static Optional<Neighbour> decode(NetlinkMessage m) {
        NdMsg header = NdMsg.decode(m);
        if (header.family() != SocketH.AF_INET && header.family() != SocketH.AF_INET6) {
            return Optional.empty();
        }
        Attributes a = m.attributes(NdMsg.SIZE, "ndmsg");
        Optional<Attribute> dst = a.find(NeighbourH.NDA_DST);
        if (dst.isEmpty()) {
            return Optional.empty();
        }
        Optional<MacAddress> mac = a.find(NeighbourH.NDA_LLADDR)
                .filter(l -> l.payloadLength() == 6)
                .map(l -> MacAddress.of(l.bytes()));
        return Optional.of(new Neighbour(header.ifindex(), dst.get().address(), mac, header.state()));
    }
}
