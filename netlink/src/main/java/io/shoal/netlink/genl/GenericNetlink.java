package io.shoal.netlink.genl;

import io.shoal.netlink.Errno;
import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.codec.Attribute;
import io.shoal.netlink.codec.Attributes;
import io.shoal.netlink.codec.GenlMsgHdr;
import io.shoal.netlink.codec.MessageBuilder;
import io.shoal.netlink.codec.NetlinkMessage;
import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.socket.NetlinkSocket;
import io.shoal.netlink.uapi.GenetlinkH;
import io.shoal.netlink.uapi.NetlinkH;
import java.io.Closeable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** A {@code NETLINK_GENERIC} socket and the controller's family resolution. */
public final class GenericNetlink implements Closeable {
    private static final int MAX_FAMILY_NAME = 15; // GENL_NAMSIZ - 1

    private final NetlinkSocket socket;

    private GenericNetlink(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Generic netlink in the calling thread's namespace. */
    public static GenericNetlink open() {
        return new GenericNetlink(NetlinkSocket.open(NetlinkH.NETLINK_GENERIC));
    }

    /** Generic netlink inside {@code namespace}. */
    public static GenericNetlink open(NetNs namespace) {
        return new GenericNetlink(namespace.openSocket(NetlinkH.NETLINK_GENERIC));
    }

    /**
     * Resolves a family by name; empty when this kernel does not have it (the controller answers
     * {@code ENOENT}), e.g. "IPVS" without the {@code ip_vs} module.
     */
    public Optional<GenlFamily> family(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.length() > MAX_FAMILY_NAME) {
            throw new IllegalArgumentException("family name must be 1 to 15 characters, was \"" + name + "\"");
        }
        MessageBuilder b = new MessageBuilder().begin(GenetlinkH.GENL_ID_CTRL, 0);
        new GenlMsgHdr(GenetlinkH.CTRL_CMD_GETFAMILY, 1).encode(b);
        b.putString(GenetlinkH.CTRL_ATTR_FAMILY_NAME, name);
        try {
            List<GenlFamily> found =
                    socket.query(b, "CTRL_CMD_GETFAMILY \"" + name + "\"", (m, out) -> out.add(decode(m)));
            return found.stream().findFirst();
        } catch (NetlinkException e) {
            if (e.is(Errno.ENOENT)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Resolves a family by name.
     *
     * @throws NetlinkException with {@code ENOENT} naming the family when the kernel lacks it
     */
    public GenlFamily requireFamily(String name) {
        return family(name)
                .orElseThrow(() -> new NetlinkException(
                        "GENL_ID_CTRL CTRL_CMD_GETFAMILY \"" + name + "\"",
                        Errno.ENOENT.code(),
                        "this kernel has no generic-netlink family \"" + name + "\""));
    }

    /** The underlying socket, for the family's own requests. */
    public NetlinkSocket socket() {
        return socket;
    }

    static GenlFamily decode(NetlinkMessage m) {
        GenlMsgHdr.decode(m);
        Attributes a = m.attributes(GenlMsgHdr.SIZE, "genlmsghdr");
        String name = a.require(GenetlinkH.CTRL_ATTR_FAMILY_NAME, "CTRL_ATTR_FAMILY_NAME")
                .string();
        int id =
                a.require(GenetlinkH.CTRL_ATTR_FAMILY_ID, "CTRL_ATTR_FAMILY_ID").u16();
        int version = a.find(GenetlinkH.CTRL_ATTR_VERSION).map(Attribute::u32).orElse(0);
        int headerSize =
                a.find(GenetlinkH.CTRL_ATTR_HDRSIZE).map(Attribute::u32).orElse(0);
        int maxAttr = a.find(GenetlinkH.CTRL_ATTR_MAXATTR).map(Attribute::u32).orElse(0);
        Map<String, Integer> groups = new HashMap<>();
        a.find(GenetlinkH.CTRL_ATTR_MCAST_GROUPS).ifPresent(list -> {
            for (Attribute group : list.nested().list()) {
                Attributes g = group.nested();
                groups.put(
                        g.require(GenetlinkH.CTRL_ATTR_MCAST_GRP_NAME, "CTRL_ATTR_MCAST_GRP_NAME")
                                .string(),
                        g.require(GenetlinkH.CTRL_ATTR_MCAST_GRP_ID, "CTRL_ATTR_MCAST_GRP_ID")
                                .u32());
            }
        });
        return new GenlFamily(name, id, version, headerSize, maxAttr, groups);
    }

    @Override
    public void close() {
        socket.close();
    }
}
