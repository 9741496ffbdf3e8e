package io.shoal.dns.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.shoal.dns.forward.UpstreamConfig;
import io.shoal.dns.forward.UpstreamForwarder;
import io.shoal.dns.metrics.DnsMetrics;
import io.shoal.dns.resolve.DnsResponder;
import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.resolve.DnsTtls;
import io.shoal.dns.resolve.Resolver;
import io.shoal.dns.testing.Dns;
import io.shoal.dns.testing.Fixtures;
import io.shoal.dns.transport.Transport;
import io.shoal.testbed.Requirements;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * The batched UDP loop on real loopback sockets: queries that queued up while the loop was busy
 * come in batches and every answer goes to the socket its query came from, with its id; more than
 * a turn's worth is all answered; IPv6; closing; a bind that fails says why and keeps nothing.
 */
class MmsgUdpLoopTest {
    private final DnsMetrics metrics = new DnsMetrics();
    private EventLoopGroup group;
    private UpstreamForwarder forwarder;
    private DnsResponder responder;
    private MmsgUdpLoop loop;
    private final List<NativeUdpSocket> sockets = new ArrayList<>();

    @BeforeEach
    void start() {
        Requirements.require(
                UdpIo.MMSG.isAvailable(), "recvmmsg/sendmmsg through libc (" + UdpIo.MMSG.unavailabilityCause() + ")");
        group = new MultiThreadIoEventLoopGroup(1, Transport.EPOLL.ioHandlerFactory());
        forwarder = UpstreamForwarder.start(UpstreamConfig.of(List.of()), metrics, Transport.EPOLL, group);
        Resolver resolver = new Resolver(DnsTtls.DEFAULTS);
        resolver.update(Fixtures.table());
        responder = new DnsResponder(resolver, metrics, 1232);
        loop = new MmsgUdpLoop("mmsg-test", responder, forwarder, 1232);
    }

    @AfterEach
    void stop() {
        if (loop != null) {
            for (NativeUdpSocket s : sockets) {
                loop.close(s);
            }
            loop.close();
        }
        if (forwarder != null) {
            forwarder.close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private NativeUdpSocket serve(InetSocketAddress at) {
        NativeUdpSocket s = NativeUdpSocket.open(at, false);
        sockets.add(s);
        loop.register(s, () -> DnsScope.of(Fixtures.FRONT));
        return s;
    }

    /** Holds the loop's thread until the returned latch is counted down. */
    private CountDownLatch holdLoop() throws InterruptedException {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        loop.execute(() -> {
            held.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(held.await(5, TimeUnit.SECONDS)).as("loop thread held").isTrue();
        return release;
    }

    @Test
    void queriesQueuedFromManyClientsComeInBatchesAndEachAnswerGoesToItsSender() throws Exception {
        int port = freeUdpPort("127.0.0.1");
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
        serve(server);
        int clients = 8;
        int perClient = 16;
        List<DatagramSocket> cs = new ArrayList<>();
        try {
            for (int c = 0; c < clients; c++) {
                DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                s.setSoTimeout(3000);
                cs.add(s);
            }
            ask(cs.get(0), server, "web", Type.A, 1); // registered and serving
            long callsBefore = metrics.udpReceiveCallCount();
            long datagramsBefore = metrics.udpDatagramCount();
            CountDownLatch release = holdLoop();
            for (int i = 0; i < perClient; i++) {
                for (int c = 0; c < clients; c++) {
                    // names alternate: an address answer and a no-data answer, ids say which client
                    byte[] q = Dns.query("web", i % 2 == 0 ? Type.A : Type.AAAA);
                    q[0] = (byte) c;
                    q[1] = (byte) i;
                    cs.get(c).send(new DatagramPacket(q, q.length, server));
                }
            }
            release.countDown();
            for (int c = 0; c < clients; c++) {
                Set<Integer> ids = new HashSet<>();
                for (int i = 0; i < perClient; i++) {
                    Message m = receive(cs.get(c));
                    int id = m.getHeader().getID();
                    assertThat(id >>> 8)
                            .as("answer for client %d carries that client's id", c)
                            .isEqualTo(c);
                    int n = id & 0xFF;
                    assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
                    if (n % 2 == 0) {
                        assertThat(Dns.addresses(m))
                                .as("A answer %d of client %d", n, c)
                                .containsExactly("100.64.0.2");
                    } else {
                        assertThat(m.getSection(org.xbill.DNS.Section.ANSWER))
                                .as("AAAA answer %d", n)
                                .isEmpty();
                    }
                    ids.add(id);
                }
                assertThat(ids).as("distinct answers of client %d", c).hasSize(perClient);
            }
            long calls = metrics.udpReceiveCallCount() - callsBefore;
            long datagrams = metrics.udpDatagramCount() - datagramsBefore;
            assertThat(datagrams).isEqualTo((long) clients * perClient);
            // 128 datagrams waited in the socket: recvmmsg takes them 32 at a time
            assertThat(calls)
                    .as("receive calls for %d queued queries", datagrams)
                    .isLessThanOrEqualTo(datagrams / MmsgUdpLoop.BATCH + 1);
        } finally {
            cs.forEach(DatagramSocket::close);
        }
    }

    @Test
    void moreThanOneTurnQueuedIsAllAnswered() throws Exception {
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", freeUdpPort("127.0.0.1"));
        serve(server);
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout(3000);
            client.setReceiveBufferSize(1 << 20);
            ask(client, server, "web", Type.A, 1);
            int queries = 200; // > 4 batches of 32: the loop yields after a turn, epoll brings it back
            CountDownLatch release = holdLoop();
            for (int i = 0; i < queries; i++) {
                byte[] q = Dns.query("api", Type.A);
                q[0] = (byte) (i >> 8);
                q[1] = (byte) i;
                client.send(new DatagramPacket(q, q.length, server));
            }
            release.countDown();
            Set<Integer> ids = new HashSet<>();
            for (int i = 0; i < queries; i++) {
                Message m = receive(client);
                assertThat(Dns.addresses(m)).containsExactly("100.64.0.10");
                ids.add(m.getHeader().getID());
            }
            assertThat(ids).hasSize(queries);
        }
    }

    @Test
    void servesIpv6() throws Exception {
        Requirements.require(hasIpv6Loopback(), "::1 on lo");
        InetSocketAddress server = new InetSocketAddress("::1", freeUdpPort("::1"));
        serve(server);
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("::1", 0))) {
            client.setSoTimeout(3000);
            ask(client, server, "web", Type.A, 5);
        }
    }

    @Test
    void twoSocketsOnOneLoopAndClosingOneLeavesTheOtherServing() throws Exception {
        InetSocketAddress a = new InetSocketAddress("127.0.0.1", freeUdpPort("127.0.0.1"));
        InetSocketAddress b = new InetSocketAddress("127.0.0.2", freeUdpPort("127.0.0.2"));
        NativeUdpSocket first = serve(a);
        serve(b);
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout(3000);
            ask(client, a, "web", Type.A, 3);
            ask(client, b, "web", Type.A, 3);
            loop.close(first);
            assertThat(first.isOpen()).isFalse();
            // the port is free again at once: the descriptor is gone from the kernel
            try (DatagramSocket again = new DatagramSocket(a)) {
                assertThat(again.getLocalPort()).isEqualTo(a.getPort());
            }
            ask(client, b, "web", Type.A, 3);
        }
    }

    @Test
    void oneLoopServesHundredsOfBindingsEachWithItsOwnScope() throws Exception {
        // as a node with many containers: one socket per container on one loop; descriptor
        // numbers beyond the loop's first table size, scopes told apart per socket
        int bindings = 300;
        List<InetSocketAddress> front = new ArrayList<>();
        List<InetSocketAddress> back = new ArrayList<>();
        for (int i = 0; i < bindings; i++) {
            NativeUdpSocket s =
                    NativeUdpSocket.open(new InetSocketAddress("127.0.0.1", freeUdpPort("127.0.0.1")), false);
            sockets.add(s);
            boolean isFront = i % 2 == 0;
            loop.register(s, () -> DnsScope.of(isFront ? Fixtures.FRONT : Fixtures.BACK));
            (isFront ? front : back).add(s.localAddress());
        }
        assertThat(sockets.get(sockets.size() - 1).fd())
                .as("descriptor of the last socket")
                .isGreaterThan(64);
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout(3000);
            for (InetSocketAddress at : front) {
                ask(client, at, "web", Type.A, 1);
            }
            for (InetSocketAddress at : back) {
                ask(client, at, "db", Type.A, 1); // "db" lives only on the back network
            }
            for (InetSocketAddress at : front.subList(0, 5)) {
                // not in a front binding's scope: forwarded, and with no upstream, SERVFAIL
                byte[] q = Dns.query("db", Type.A);
                client.send(new DatagramPacket(q, q.length, at));
                Message m = receive(client);
                assertThat(m.getRcode()).as("db asked at front binding %s", at).isEqualTo(Rcode.SERVFAIL);
                assertThat(Dns.addresses(m)).isEmpty();
            }
        }
    }

    @Test
    void aBindThatFailsSaysWhyAndHoldsNothing() throws Exception {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            InetSocketAddress at = new InetSocketAddress("127.0.0.1", taken.getLocalPort());
            assertThatThrownBy(() -> NativeUdpSocket.open(at, false))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("cannot bind UDP /127.0.0.1:" + at.getPort())
                    .hasStackTraceContaining("EADDRINUSE");
        }
        // the failed socket's descriptor was closed: the same process can bind that port now
        InetSocketAddress free = new InetSocketAddress("127.0.0.1", freeUdpPort("127.0.0.1"));
        serve(free);
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout(3000);
            ask(client, free, "web", Type.A, 1);
        }
    }

    @Test
    void closingTheLoopClosesItsSocketsAndLaterCallsAreHarmless() throws Exception {
        InetSocketAddress at = new InetSocketAddress("127.0.0.1", freeUdpPort("127.0.0.1"));
        NativeUdpSocket s = serve(at);
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout(3000);
            ask(client, at, "web", Type.A, 1);
            loop.close();
            assertThat(s.isOpen()).isFalse();
            try (DatagramSocket again = new DatagramSocket(at)) {
                assertThat(again.getLocalPort()).isEqualTo(at.getPort());
            }
            // after the end: closing and registering do nothing harmful; a late socket is closed
            loop.close(s);
            NativeUdpSocket late = NativeUdpSocket.open(new InetSocketAddress("127.0.0.1", 0), false);
            loop.register(late, () -> DnsScope.of(Fixtures.FRONT));
            assertThat(late.isOpen()).isFalse();
        }
    }

    private static void ask(DatagramSocket client, InetSocketAddress server, String name, int type, int times)
            throws IOException {
        for (int i = 0; i < times; i++) {
            byte[] q = Dns.query(name, type);
            client.send(new DatagramPacket(q, q.length, server));
            Message m = receive(client);
            assertThat(m.getHeader().getID()).isEqualTo(((q[0] & 0xFF) << 8) | (q[1] & 0xFF));
            assertThat(Dns.addresses(m))
                    .as("%s %s from %s", name, Type.string(type), server)
                    .isNotEmpty();
        }
    }

    private static Message receive(DatagramSocket client) throws IOException {
        DatagramPacket reply = new DatagramPacket(new byte[1232], 1232);
        try {
            client.receive(reply);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no answer within 3 s", e);
        }
        return Dns.parse(Arrays.copyOf(reply.getData(), reply.getLength()));
    }

    private static int freeUdpPort(String host) throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(host, 0))) {
            return s.getLocalPort();
        }
    }

    private static boolean hasIpv6Loopback() {
        try {
            InetAddress v6 = InetAddress.getByName("::1");
            NetworkInterface lo = NetworkInterface.getByName("lo");
            return lo != null && lo.inetAddresses().anyMatch(v6::equals);
        } catch (IOException e) {
            return false;
        }
    }
}
