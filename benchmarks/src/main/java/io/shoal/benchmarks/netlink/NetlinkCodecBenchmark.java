package io.shoal.benchmarks.netlink;

import io.shoal.netlink.codec.Attribute;
import io.shoal.netlink.codec.Attributes;
import io.shoal.netlink.codec.IfInfoMsg;
import io.shoal.netlink.codec.MessageBuilder;
import io.shoal.netlink.codec.MessageParser;
import io.shoal.netlink.codec.NdMsg;
import io.shoal.netlink.route.MacAddress;
import io.shoal.netlink.route.RouteNetlink;
import io.shoal.netlink.socket.Request;
import io.shoal.netlink.uapi.IfLinkH;
import io.shoal.netlink.uapi.NeighbourH;
import io.shoal.netlink.uapi.NetlinkH;
import io.shoal.netlink.uapi.RtnetlinkH;
import io.shoal.netlink.uapi.SocketH;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The netlink codec on the paths the overlay uses most: encoding one remote endpoint (a neighbour
 * and an FDB request, as {@code OverlayDriver.syncRemotes} batches them) and decoding a link dump
 * reply. Run with {@code -prof gc} to see bytes allocated per operation ({@code gc.alloc.rate.norm}).
 *
 * <p>{@code remoteRequests} goes through the public request factories of {@link RouteNetlink}
 * (what Shoal really does, including each request's description text); {@code remoteReusedBuilder}
 * writes the same two messages into one reused {@link MessageBuilder}, the codec's floor.
 * {@code Links}' own reply decoder is package-private, so {@code decodeLinkDump} reads the fields
 * {@code Links.list()} reads (index, flags, name, MTU, master, MAC, kind) with the same public codec.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class NetlinkCodecBenchmark {
    private RouteNetlink rt;
    private final MessageBuilder reused = new MessageBuilder();
    private Inet4Address ip;
    private Inet4Address vtep;
    private MacAddress mac;

    /** Opens an rtnetlink socket in the current namespace (needs no privilege; nothing is sent). */
    @Setup(Level.Trial)
    public void setUp() throws UnknownHostException {
        rt = RouteNetlink.open();
        ip = (Inet4Address) InetAddress.getByAddress(new byte[] {100, 64, 1, 3});
        vtep = (Inet4Address) InetAddress.getByAddress(new byte[] {(byte) 198, 18, 0, 2});
        mac = MacAddress.parse("02:42:64:40:01:03");
        selfCheck();
    }

    /**
     * Refuses to measure something else than claimed: the reused-builder messages must be byte for
     * byte what Shoal's request factories send.
     */
    private void selfCheck() {
        List<ByteBuffer> floor = List.of(copy(neighbourFloor()), copy(fdbFloor()));
        List<ByteBuffer> real = List.of(
                rt.neighbours().replaceRequest(7, ip, mac).message().finish(),
                rt.fdb().replaceRequest(7, mac, vtep).message().finish());
        for (int i = 0; i < 2; i++) {
            if (!real.get(i).equals(floor.get(i))) {
                throw new IllegalStateException("reused-builder message " + i + " differs from Shoal's request");
            }
        }
    }

    /** Closes the socket. */
    @TearDown(Level.Trial)
    public void tearDown() {
        rt.close();
    }

    /** One remote endpoint as Shoal builds it: neighbour replace + FDB replace requests. */
    @Benchmark
    public void remoteRequests(Blackhole bh) {
        Request neighbour = rt.neighbours().replaceRequest(7, ip, mac);
        Request fdb = rt.fdb().replaceRequest(7, mac, vtep);
        bh.consume(neighbour.message().finish());
        bh.consume(fdb.message().finish());
    }

    /** The same two messages written into one reused builder. */
    @Benchmark
    public void remoteReusedBuilder(Blackhole bh) {
        bh.consume(neighbourFloor());
        bh.consume(fdbFloor());
    }

    private ByteBuffer neighbourFloor() {
        reused.reset();
        reused.begin(RtnetlinkH.RTM_NEWNEIGH, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_REPLACE);
        new NdMsg(SocketH.AF_INET, 7, NeighbourH.NUD_PERMANENT, 0, 0).encode(reused);
        reused.putAddress(NeighbourH.NDA_DST, ip);
        reused.putBytes(NeighbourH.NDA_LLADDR, mac.bytes());
        return reused.finish();
    }

    private ByteBuffer fdbFloor() {
        reused.reset();
        reused.begin(RtnetlinkH.RTM_NEWNEIGH, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_REPLACE);
        new NdMsg(SocketH.AF_BRIDGE, 7, NeighbourH.NUD_PERMANENT | NeighbourH.NUD_NOARP, NeighbourH.NTF_SELF, 0)
                .encode(reused);
        reused.putBytes(NeighbourH.NDA_LLADDR, mac.bytes());
        reused.putAddress(NeighbourH.NDA_DST, vtep);
        return reused.finish();
    }

    private static ByteBuffer copy(ByteBuffer view) {
        ByteBuffer c = ByteBuffer.allocate(view.remaining()).order(view.order());
        c.put(view.duplicate()).flip();
        return c;
    }

    /** A dump reply of {@link LinkDump#links} {@code RTM_NEWLINK} messages, decoded into link summaries. */
    @Benchmark
    public void decodeLinkDump(LinkDump d, Blackhole bh) {
        MessageParser.forEach(d.dump, 0, d.dump.limit(), m -> bh.consume(LinkSummary.decode(m)));
    }

    /** The dump reply, its own state so that only {@code decodeLinkDump} runs once per size. */
    @State(Scope.Thread)
    public static class LinkDump {
        /** Links in the decoded dump reply. */
        @Param({"1", "64"})
        public int links;

        ByteBuffer dump;

        /** Builds the reply and checks that it decodes into {@link #links} links. */
        @Setup(Level.Trial)
        public void setUp() {
            dump = linkDump(links);
            List<LinkSummary> decoded = new ArrayList<>();
            MessageParser.forEach(dump, 0, dump.limit(), m -> decoded.add(LinkSummary.decode(m)));
            if (decoded.size() != links
                    || !decoded.get(links - 1).name().equals(String.format("ve6440%04x", links))
                    || !decoded.get(0).kind().equals("veth")
                    || decoded.get(0).mtu() != 1450) {
                throw new IllegalStateException("dump of " + links + " links decoded as " + decoded);
            }
        }
    }

    /** The fields {@code Links.list()} keeps of one link. */
    record LinkSummary(int index, int flags, String name, int mtu, int master, MacAddress mac, String kind) {
        static LinkSummary decode(io.shoal.netlink.codec.NetlinkMessage m) {
            IfInfoMsg h = IfInfoMsg.decode(m);
            Attributes a = m.attributes(IfInfoMsg.SIZE, "ifinfomsg");
            String name = a.require(IfLinkH.IFLA_IFNAME, "IFLA_IFNAME").string();
            int mtu = a.find(IfLinkH.IFLA_MTU).map(Attribute::u32).orElse(0);
            int master = a.find(IfLinkH.IFLA_MASTER).map(Attribute::u32).orElse(0);
            MacAddress mac = a.find(IfLinkH.IFLA_ADDRESS)
                    .filter(x -> x.payloadLength() == 6)
                    .map(x -> MacAddress.of(x.bytes()))
                    .orElse(null);
            String kind = a.find(IfLinkH.IFLA_LINKINFO)
                    .flatMap(li -> li.nested().find(IfLinkH.IFLA_INFO_KIND))
                    .map(Attribute::string)
                    .orElse("");
            return new LinkSummary(h.index(), h.flags(), name, mtu, master, mac, kind);
        }
    }

    /**
     * A multi-message reply like the kernel's to {@code RTM_GETLINK} with {@code NLM_F_DUMP}: veth
     * links with name, MTU, master, MAC and a nested link info, 4-byte aligned one after another.
     */
    static ByteBuffer linkDump(int count) {
        ByteBuffer out = ByteBuffer.allocateDirect(count * 256).order(ByteOrder.nativeOrder());
        MessageBuilder b = new MessageBuilder();
        for (int i = 1; i <= count; i++) {
            b.begin(RtnetlinkH.RTM_NEWLINK, NetlinkH.NLM_F_MULTI);
            new IfInfoMsg(SocketH.AF_UNSPEC, 1, i, 0x1003, 0).encode(b);
            b.putString(IfLinkH.IFLA_IFNAME, "ve6440" + String.format("%04x", i));
            b.putU32(IfLinkH.IFLA_MTU, 1450);
            b.putU32(IfLinkH.IFLA_MASTER, 2);
            b.putBytes(IfLinkH.IFLA_ADDRESS, new byte[] {2, 0x42, 100, 64, (byte) (i >> 8), (byte) i});
            int info = b.beginNested(IfLinkH.IFLA_LINKINFO);
            b.putString(IfLinkH.IFLA_INFO_KIND, "veth");
            b.endNested(info);
            ByteBuffer message = b.finish();
            out.put(message);
            while (out.position() % 4 != 0) {
                out.put((byte) 0);
            }
            b.reset();
        }
        out.flip();
        return out;
    }
}
