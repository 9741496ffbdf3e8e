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
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Bridge FDB entries ({@code AF_BRIDGE} neighbour messages with {@code NTF_SELF}): for a vxlan device,
 * which remote VTEP a MAC lives behind, as {@code bridge fdb append ... dev vxlan0 dst VTEP} does.
 */
public final class FdbEntries {
    private static final int STATE = NeighbourH.NUD_PERMANENT | NeighbourH.NUD_NOARP;

    private final NetlinkSocket socket;

    FdbEntries(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Adds {@code mac} behind {@code destination} on device {@code index}; {@code EEXIST} when present. */
    public void add(int index, MacAddress mac, InetAddress destination) {
        execute(addRequest(index, mac, destination));
    }

    /** Adds or replaces the entry for {@code mac} (idempotent). */
    public void replace(int index, MacAddress mac, InetAddress destination) {
        socket.execute(
                request(
                        RtnetlinkH.RTM_NEWNEIGH,
                        NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_REPLACE,
                        index,
                        mac,
                        destination),
                "replace fdb " + mac + describe(destination) + " on link #" + index);
    }

    /**
     * Deletes the entry for {@code mac} (and {@code destination}, when given, among a MAC's several);
     * {@code ENOENT} when absent.
     */
    public void delete(int index, MacAddress mac, InetAddress destination) {
        execute(deleteRequest(index, mac, destination));
    }

    /**
     * Pins {@code mac} to bridge port {@code portIndex} in the port's master bridge, as {@code bridge
     * fdb replace MAC dev PORT master static} does: a static entry that replaces whatever the bridge
     * learned for that MAC (for example on another port, where the MAC lived before) and never ages
     * out. It goes away with the port.
     */
    public void pinToPort(int portIndex, MacAddress mac) {
        Objects.requireNonNull(mac, "mac");
        if (portIndex <= 0) {
            throw new IllegalArgumentException("portIndex must be > 0, was " + portIndex);
        }
        MessageBuilder b =
                new MessageBuilder().begin(RtnetlinkH.RTM_NEWNEIGH, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_REPLACE);
        new NdMsg(SocketH.AF_BRIDGE, portIndex, NeighbourH.NUD_NOARP, NeighbourH.NTF_MASTER, 0).encode(b);
        b.putBytes(NeighbourH.NDA_LLADDR, mac.bytes());
        socket.execute(b, "pin " + mac + " to bridge port #" + portIndex);
    }

    /** The request {@link #add} sends, for {@link RouteNetlink#executeAll}. */
    public Request addRequest(int index, MacAddress mac, InetAddress destination) {
        return new Request(
                request(RtnetlinkH.RTM_NEWNEIGH, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_EXCL, index, mac, destination),
                "add fdb " + mac + describe(destination) + " on link #" + index);
    }

    /** The request {@link #replace} sends, for {@link RouteNetlink#executeAll}. */
    public Request replaceRequest(int index, MacAddress mac, InetAddress destination) {
        return new Request(
                request(
                        RtnetlinkH.RTM_NEWNEIGH,
                        NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_REPLACE,
                        index,
                        mac,
                        destination),
                "replace fdb " + mac + describe(destination) + " on link #" + index);
    }

    /** The request {@link #delete} sends, for {@link RouteNetlink#executeAll}. */
    public Request deleteRequest(int index, MacAddress mac, InetAddress destination) {
        return new Request(
                request(RtnetlinkH.RTM_DELNEIGH, 0, index, mac, destination),
                "delete fdb " + mac + describe(destination) + " on link #" + index);
    }

    private void execute(Request r) {
        socket.execute(r.message(), r.what());
    }

    /** The FDB entries held by device {@code index}. */
    public List<FdbEntry> list(int index) {
        MessageBuilder b = new MessageBuilder().begin(RtnetlinkH.RTM_GETNEIGH, 0);
        new NdMsg(SocketH.AF_BRIDGE, 0, 0, 0, 0).encode(b);
        return socket.dump(b, "list fdb", (m, out) -> decode(m)
                .filter(e -> e.index() == index)
                .ifPresent(out::add));
    }

    private static MessageBuilder request(int type, int flags, int index, MacAddress mac, InetAddress destination) {
        Objects.requireNonNull(mac, "mac");
        if (index <= 0) {
            throw new IllegalArgumentException("index must be > 0, was " + index);
        }
        MessageBuilder b = new MessageBuilder().begin(type, flags);
        new NdMsg(SocketH.AF_BRIDGE, index, STATE, NeighbourH.NTF_SELF, 0).encode(b);
        b.putBytes(NeighbourH.NDA_LLADDR, mac.bytes());
        if (destination != null) {
            b.putAddress(NeighbourH.NDA_DST, destination);
        }
        return b;
    }

    static Optional<FdbEntry> decode(NetlinkMessage m) {
        NdMsg header = NdMsg.decode(m);
        if (header.family() != SocketH.AF_BRIDGE) {
            return Optional.empty();
        }
        Attributes a = m.attributes(NdMsg.SIZE, "ndmsg");
        Optional<Attribute> lladdr = a.find(NeighbourH.NDA_LLADDR).filter(l -> l.payloadLength() == 6);
        if (lladdr.isEmpty()) {
            return Optional.empty();
        }
        Optional<InetAddress> dst = a.find(NeighbourH.NDA_DST).map(Attribute::address);
        return Optional.of(new FdbEntry(
                header.ifindex(), MacAddress.of(lladdr.get().bytes()), dst, header.state(), header.flags()));
    }

    private static String describe(InetAddress destination) {
        return destination == null ? "" : " dst " + destination.getHostAddress();
    }
}
