package io.shoal.netlink.route;

import io.shoal.netlink.codec.Attribute;
import io.shoal.netlink.codec.Attributes;
import io.shoal.netlink.codec.IfAddrMsg;
import io.shoal.netlink.codec.MessageBuilder;
import io.shoal.netlink.codec.NetlinkMessage;
import io.shoal.netlink.socket.NetlinkSocket;
import io.shoal.netlink.uapi.IfAddrH;
import io.shoal.netlink.uapi.NetlinkH;
import io.shoal.netlink.uapi.RtnetlinkH;
import io.shoal.netlink.uapi.SocketH;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** IPv4 and IPv6 addresses on links: add, delete, list. */
public final class Addresses {
    private final NetlinkSocket socket;

    Addresses(NetlinkSocket socket) {
        this.socket = socket;
    }

    /**
     * Adds {@code address/prefixLength} to link {@code index}. IPv6 addresses skip duplicate address
     * detection ({@code IFA_F_NODAD}): Shoal's allocator hands out unique addresses, and DAD would keep
     * them unusable for a second or more. Fails with {@code EEXIST} when already present.
     */
    public void add(int index, InetAddress address, int prefixLength) {
        MessageBuilder b = request(
                RtnetlinkH.RTM_NEWADDR, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_EXCL, index, address, prefixLength);
        socket.execute(b, "add address " + address.getHostAddress() + "/" + prefixLength + " on link #" + index);
    }

    /** Removes {@code address/prefixLength} from link {@code index}; {@code EADDRNOTAVAIL} when absent. */
    public void delete(int index, InetAddress address, int prefixLength) {
        MessageBuilder b = request(RtnetlinkH.RTM_DELADDR, 0, index, address, prefixLength);
        socket.execute(b, "delete address " + address.getHostAddress() + "/" + prefixLength + " on link #" + index);
    }

    /** All addresses in the namespace. */
    public List<Address> list() {
        MessageBuilder b = new MessageBuilder().begin(RtnetlinkH.RTM_GETADDR, 0);
        new IfAddrMsg(SocketH.AF_UNSPEC, 0, 0, 0, 0).encode(b);
        return socket.dump(b, "list addresses", (m, out) -> out.add(decode(m)));
    }

    /** The addresses on link {@code index}. */
    public List<Address> list(int index) {
        return list().stream().filter(a -> a.index() == index).toList();
    }

    private static MessageBuilder request(int type, int flags, int index, InetAddress address, int prefixLength) {
        Objects.requireNonNull(address, "address");
        if (index <= 0) {
            throw new IllegalArgumentException("index must be > 0, was " + index);
        }
        boolean v4 = address instanceof Inet4Address;
        int max = v4 ? 32 : 128;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefixLength must be in [0, " + max + "], was " + prefixLength);
        }
        MessageBuilder b = new MessageBuilder().begin(type, flags);
        int ifaFlags = v4 ? 0 : IfAddrH.IFA_F_NODAD;
        new IfAddrMsg(
                        v4 ? SocketH.AF_INET : SocketH.AF_INET6,
                        prefixLength,
                        ifaFlags,
                        RtnetlinkH.RT_SCOPE_UNIVERSE,
                        index)
                .encode(b);
        b.putAddress(IfAddrH.IFA_LOCAL, address);
        b.putAddress(IfAddrH.IFA_ADDRESS, address);
        return b;
    }

    static Address decode(NetlinkMessage m) {
        IfAddrMsg header = IfAddrMsg.decode(m);
        Attributes a = m.attributes(IfAddrMsg.SIZE, "ifaddrmsg");
        InetAddress address = a.find(IfAddrH.IFA_LOCAL)
                .or(() -> a.find(IfAddrH.IFA_ADDRESS))
                .map(Attribute::address)
                .orElseThrow(() -> new io.shoal.netlink.codec.MalformedMessageException(
                        m.offset(), "IFA_LOCAL or IFA_ADDRESS in RTM_NEWADDR", "neither"));
        Optional<String> label = a.find(IfAddrH.IFA_LABEL).map(Attribute::string);
        return new Address(header.index(), address, header.prefixLength(), header.scope(), label);
    }
}
