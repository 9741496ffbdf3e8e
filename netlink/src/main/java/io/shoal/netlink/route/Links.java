package io.shoal.netlink.route;

import io.shoal.netlink.Errno;
import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.codec.Attribute;
import io.shoal.netlink.codec.Attributes;
import io.shoal.netlink.codec.IfInfoMsg;
import io.shoal.netlink.codec.MessageBuilder;
import io.shoal.netlink.codec.NetlinkMessage;
import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.socket.NetlinkSocket;
import io.shoal.netlink.uapi.IfLinkH;
import io.shoal.netlink.uapi.NetlinkH;
import io.shoal.netlink.uapi.RtnetlinkH;
import io.shoal.netlink.uapi.SocketH;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Links in the socket's namespace: create veth pairs, bridges and vxlan devices; change state, MTU,
 * name, master and MAC; move to another namespace; delete; get and list.
 *
 * <p>Links are named by interface name; the kernel resolves {@code IFLA_IFNAME} itself, so most
 * changes are one request.
 */
public final class Links {
    /** Longest interface name the kernel accepts ({@code IFNAMSIZ} - 1). */
    public static final int MAX_NAME_LENGTH = 15;

    private static final int CREATE = NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_EXCL;

    private final NetlinkSocket socket;

    Links(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Creates a veth pair {@code name} &lt;-&gt; {@code peer}, both here. */
    public void createVeth(String name, String peer) {
        createVeth(name, peer, null);
    }

    /**
     * Creates a veth pair whose {@code peer} end is created directly in {@code peerNamespace} (by its
     * file descriptor), or here when null.
     */
    public void createVeth(String name, String peer, NetNs peerNamespace) {
        checkName("name", name);
        checkName("peer", peer);
        MessageBuilder b = newLink(name);
        int info = b.beginNested(IfLinkH.IFLA_LINKINFO);
        b.putString(IfLinkH.IFLA_INFO_KIND, "veth");
        int data = b.beginNested(IfLinkH.IFLA_INFO_DATA);
        // VETH_INFO_PEER carries an ifinfomsg then the peer's attributes, like a RTM_NEWLINK body.
        int peerInfo = b.beginNested(IfLinkH.VETH_INFO_PEER);
        IfInfoMsg.ofIndex(0).encode(b);
        b.putString(IfLinkH.IFLA_IFNAME, peer);
        if (peerNamespace != null) {
            b.putU32(IfLinkH.IFLA_NET_NS_FD, peerNamespace.fd());
        }
        b.endNested(peerInfo).endNested(data).endNested(info);
        String where = peerNamespace == null ? "" : " in namespace " + peerNamespace.name();
        socket.execute(b, "create veth \"" + name + "\" with peer \"" + peer + "\"" + where);
    }

    /** Creates a Linux bridge. */
    public void createBridge(String name) {
        checkName("name", name);
        MessageBuilder b = newLink(name);
        int info = b.beginNested(IfLinkH.IFLA_LINKINFO);
        b.putString(IfLinkH.IFLA_INFO_KIND, "bridge");
        b.endNested(info);
        socket.execute(b, "create bridge \"" + name + "\"");
    }

    /** Creates a vxlan device with the given VNI, port, local VTEP, learning and underlay device. */
    public void createVxlan(String name, VxlanSpec spec) {
        checkName("name", name);
        Objects.requireNonNull(spec, "spec");
        MessageBuilder b = newLink(name);
        int info = b.beginNested(IfLinkH.IFLA_LINKINFO);
        b.putString(IfLinkH.IFLA_INFO_KIND, "vxlan");
        int data = b.beginNested(IfLinkH.IFLA_INFO_DATA);
        b.putU32(IfLinkH.IFLA_VXLAN_ID, spec.vni());
        b.putU16Be(IfLinkH.IFLA_VXLAN_PORT, spec.port());
        b.putU8(IfLinkH.IFLA_VXLAN_LEARNING, spec.learning() ? 1 : 0);
        spec.local().ifPresent(local -> {
            if (local instanceof Inet4Address) {
                b.putIpv4(IfLinkH.IFLA_VXLAN_LOCAL, local);
            } else {
                b.putIpv6(IfLinkH.IFLA_VXLAN_LOCAL6, local);
            }
        });
        if (spec.underlayIndex() != 0) {
            b.putU32(IfLinkH.IFLA_VXLAN_LINK, spec.underlayIndex());
        }
        b.endNested(data).endNested(info);
        socket.execute(b, "create vxlan \"" + name + "\" vni " + spec.vni());
    }

    /** Sets the link administratively up. */
    public void setUp(String name) {
        setFlags(name, IfLinkH.IFF_UP, IfLinkH.IFF_UP, "set up");
    }

    /** Sets the link administratively down. */
    public void setDown(String name) {
        setFlags(name, 0, IfLinkH.IFF_UP, "set down");
    }

    /** Sets the MTU. */
    public void setMtu(String name, int mtu) {
        if (mtu < 68 || mtu > 65535) {
            throw new IllegalArgumentException("mtu must be in [68, 65535], was " + mtu);
        }
        MessageBuilder b = change(name);
        b.putU32(IfLinkH.IFLA_MTU, mtu);
        socket.execute(b, "set mtu " + mtu + " on \"" + name + "\"");
    }

    /** Renames a link (it must be down for the kernel to accept). */
    public void rename(String name, String newName) {
        checkName("newName", newName);
        MessageBuilder b = changeByIndex(require(name).index());
        b.putString(IfLinkH.IFLA_IFNAME, newName);
        socket.execute(b, "rename \"" + name + "\" to \"" + newName + "\"");
    }

    /** Enslaves the link to a bridge. */
    public void setMaster(String name, String bridge) {
        int master = require(bridge).index();
        MessageBuilder b = change(name);
        b.putU32(IfLinkH.IFLA_MASTER, master);
        socket.execute(b, "set master \"" + bridge + "\" on \"" + name + "\"");
    }

    /** Releases the link from its bridge. */
    public void clearMaster(String name) {
        MessageBuilder b = change(name);
        b.putU32(IfLinkH.IFLA_MASTER, 0);
        socket.execute(b, "clear master on \"" + name + "\"");
    }

    /** Sets the link-layer address. */
    public void setMac(String name, MacAddress mac) {
        Objects.requireNonNull(mac, "mac");
        MessageBuilder b = change(name);
        b.putBytes(IfLinkH.IFLA_ADDRESS, mac.bytes());
        socket.execute(b, "set address " + mac + " on \"" + name + "\"");
    }

    /**
     * Moves the link into {@code target} (by its file descriptor). The link keeps its name there; the
     * move fails with {@code EEXIST} if the name is taken.
     */
    public void moveToNamespace(String name, NetNs target) {
        Objects.requireNonNull(target, "target");
        MessageBuilder b = change(name);
        b.putU32(IfLinkH.IFLA_NET_NS_FD, target.fd());
        socket.execute(b, "move \"" + name + "\" to namespace " + target.name());
    }

    /** Moves the link into {@code target} and renames it there in the same request. */
    public void moveToNamespace(String name, NetNs target, String newName) {
        Objects.requireNonNull(target, "target");
        checkName("newName", newName);
        MessageBuilder b = changeByIndex(require(name).index());
        b.putU32(IfLinkH.IFLA_NET_NS_FD, target.fd());
        b.putString(IfLinkH.IFLA_IFNAME, newName);
        socket.execute(b, "move \"" + name + "\" to namespace " + target.name() + " as \"" + newName + "\"");
    }

    /** Moves the link into the network namespace of process {@code pid}. */
    public void moveToNamespaceOfPid(String name, int pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be > 0, was " + pid);
        }
        MessageBuilder b = change(name);
        b.putU32(IfLinkH.IFLA_NET_NS_PID, pid);
        socket.execute(b, "move \"" + name + "\" to the namespace of pid " + pid);
    }

    /** Deletes the link (for a veth, both ends). Fails with {@code ENODEV} when absent. */
    public void delete(String name) {
        checkName("name", name);
        MessageBuilder b = new MessageBuilder().begin(RtnetlinkH.RTM_DELLINK, 0);
        IfInfoMsg.ofIndex(0).encode(b);
        b.putString(IfLinkH.IFLA_IFNAME, name);
        socket.execute(b, "delete link \"" + name + "\"");
    }

    /** Deletes the link if present; returns whether it was. */
    public boolean deleteIfPresent(String name) {
        try {
            delete(name);
            return true;
        } catch (NetlinkException e) {
            if (e.is(Errno.ENODEV)) {
                return false;
            }
            throw e;
        }
    }

    /** The link named {@code name}, if present. */
    public Optional<Link> get(String name) {
        checkName("name", name);
        MessageBuilder b = new MessageBuilder().begin(RtnetlinkH.RTM_GETLINK, 0);
        IfInfoMsg.ofIndex(0).encode(b);
        b.putString(IfLinkH.IFLA_IFNAME, name);
        return getOne(b, "get link \"" + name + "\"");
    }

    /** The link with interface index {@code index}, if present. */
    public Optional<Link> get(int index) {
        if (index <= 0) {
            throw new IllegalArgumentException("index must be > 0, was " + index);
        }
        MessageBuilder b = new MessageBuilder().begin(RtnetlinkH.RTM_GETLINK, 0);
        IfInfoMsg.ofIndex(index).encode(b);
        return getOne(b, "get link #" + index);
    }

    /** The link named {@code name}; {@link NetlinkException} with {@code ENODEV} when absent. */
    public Link require(String name) {
        return get(name)
                .orElseThrow(() -> new NetlinkException("find link \"" + name + "\"", Errno.ENODEV.code(), null));
    }

    /** All links in the namespace. */
    public List<Link> list() {
        MessageBuilder b = new MessageBuilder().begin(RtnetlinkH.RTM_GETLINK, 0);
        new IfInfoMsg(SocketH.AF_UNSPEC, 0, 0, 0, 0).encode(b);
        return socket.dump(b, "list links", (m, out) -> out.add(decode(m)));
    }

    private Optional<Link> getOne(MessageBuilder b, String what) {
        try {
            List<Link> found = socket.query(b, what, (m, out) -> out.add(decode(m)));
            return found.stream().findFirst();
        } catch (NetlinkException e) {
            if (e.is(Errno.ENODEV)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Decodes an {@code RTM_NEWLINK} reply. */
    static Link decode(NetlinkMessage m) {
        IfInfoMsg header = IfInfoMsg.decode(m);
        Attributes a = m.attributes(IfInfoMsg.SIZE, "ifinfomsg");
        String name = a.require(IfLinkH.IFLA_IFNAME, "IFLA_IFNAME").string();
        int mtu = a.find(IfLinkH.IFLA_MTU).map(Attribute::u32).orElse(0);
        int master = a.find(IfLinkH.IFLA_MASTER).map(Attribute::u32).orElse(0);
        Optional<MacAddress> mac = a.find(IfLinkH.IFLA_ADDRESS)
                .filter(attr -> attr.payloadLength() == 6)
                .map(attr -> MacAddress.of(attr.bytes()));
        Optional<String> kind = Optional.empty();
        Optional<VxlanSpec> vxlan = Optional.empty();
        Optional<Attribute> linkInfo = a.find(IfLinkH.IFLA_LINKINFO);
        if (linkInfo.isPresent()) {
            Attributes info = linkInfo.get().nested();
            kind = info.find(IfLinkH.IFLA_INFO_KIND).map(Attribute::string);
            if (kind.filter("vxlan"::equals).isPresent()) {
                vxlan = info.find(IfLinkH.IFLA_INFO_DATA).map(d -> decodeVxlan(d.nested()));
            }
        }
        return new Link(header.index(), name, kind, header.flags(), mtu, master, mac, vxlan);
    }

    private static VxlanSpec decodeVxlan(Attributes data) {
        int vni = data.require(IfLinkH.IFLA_VXLAN_ID, "IFLA_VXLAN_ID").u32();
        int port = data.find(IfLinkH.IFLA_VXLAN_PORT).map(Attribute::u16Be).orElse(VxlanSpec.IANA_PORT);
        Optional<InetAddress> local = data.find(IfLinkH.IFLA_VXLAN_LOCAL)
                .or(() -> data.find(IfLinkH.IFLA_VXLAN_LOCAL6))
                .map(Attribute::address);
        boolean learning =
                data.find(IfLinkH.IFLA_VXLAN_LEARNING).map(Attribute::u8).orElse(1) != 0;
        int underlay = data.find(IfLinkH.IFLA_VXLAN_LINK).map(Attribute::u32).orElse(0);
        return new VxlanSpec(vni, port, local, learning, underlay);
    }

    private void setFlags(String name, int flags, int mask, String what) {
        checkName("name", name);
        MessageBuilder b = new MessageBuilder().begin(RtnetlinkH.RTM_NEWLINK, 0);
        new IfInfoMsg(SocketH.AF_UNSPEC, 0, 0, flags, mask).encode(b);
        b.putString(IfLinkH.IFLA_IFNAME, name);
        socket.execute(b, what + " \"" + name + "\"");
    }

    private static MessageBuilder newLink(String name) {
        MessageBuilder b = new MessageBuilder().begin(RtnetlinkH.RTM_NEWLINK, CREATE);
        IfInfoMsg.ofIndex(0).encode(b);
        b.putString(IfLinkH.IFLA_IFNAME, name);
        return b;
    }

    private static MessageBuilder change(String name) {
        checkName("name", name);
        MessageBuilder b = new MessageBuilder().begin(RtnetlinkH.RTM_NEWLINK, 0);
        IfInfoMsg.ofIndex(0).encode(b);
        b.putString(IfLinkH.IFLA_IFNAME, name);
        return b;
    }

    private static MessageBuilder changeByIndex(int index) {
        MessageBuilder b = new MessageBuilder().begin(RtnetlinkH.RTM_NEWLINK, 0);
        IfInfoMsg.ofIndex(index).encode(b);
        return b;
    }

    /** Checks an interface name: 1..15 bytes, no '/', no whitespace, not "." or "..". */
    static void checkName(String field, String name) {
        Objects.requireNonNull(name, field);
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException(
                    field + " must be 1 to 15 characters (IFNAMSIZ), was \"" + name + "\" (" + name.length() + ")");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException(field + " must not be \".\" or \"..\"");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == ':' || Character.isWhitespace(c) || c < 0x21 || c > 0x7e) {
                throw new IllegalArgumentException(field + " has an invalid character '" + c + "' in \"" + name + "\"");
            }
        }
    }
}
