package io.shoal.dns.server;

import static io.shoal.dns.testing.Fixtures.BACK;
import static io.shoal.dns.testing.Fixtures.FRONT;
import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.dns.forward.UpstreamConfig;
import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.testing.Dig;
import io.shoal.dns.testing.Dns;
import io.shoal.dns.testing.Fixtures;
import io.shoal.dns.testing.Ports;
import io.shoal.dns.testing.Unbound;
import io.shoal.dns.transport.Transport;
import io.shoal.model.table.ServiceTable;
import io.shoal.testbed.Requirements;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * The server's behaviour seen by real clients (dig, raw sockets) over loopback, written once and
 * run per transport by its subclasses, as Netty's testsuite does. The upstream is a real unbound.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DnsServerBehaviour {
    private static final int BIG_TXT_RECORDS = 12;

    private Unbound unbound;
    private DnsServer server;
    private DnsBinding front;
    private DnsBinding back;

    abstract Transport transport();

    /** UDP by the transport's own datagram channel unless a subclass says otherwise. */
    UdpIo udpIo() {
        return UdpIo.TRANSPORT;
    }

    @BeforeAll
    void start() throws IOException {
        Requirements.require(
                transport().isAvailable(),
                "transport " + transport() + " ("
                        + transport()
                                .unavailabilityCause()
                                .map(Throwable::toString)
                                .orElse("") + ")");
        Dig.requireDig();
        List<String> data = new ArrayList<>();
        data.add("www.upstream.test. 60 IN A 198.18.7.7");
        for (int i = 0; i < BIG_TXT_RECORDS; i++) {
            data.add("big.upstream.test. 60 IN TXT '" + ("record-" + i + "-").repeat(20) + "'");
        }
        unbound = Unbound.start(Ports.free("127.0.0.1"), "upstream.test", data);
        server = DnsServer.start(DnsServerConfig.defaults()
                .withTransport(transport())
                .withUdpIo(udpIo())
                .withTcpIdleTimeout(Duration.ofSeconds(1))
                .withUpstream(UpstreamConfig.of(List.of(unbound.address()))));
        server.update(Fixtures.table());
        front = server.bind(new InetSocketAddress("127.0.0.1", 0), DnsScope.of(FRONT));
        back = server.bind(new InetSocketAddress("127.0.0.2", 0), DnsScope.of(BACK));
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
        if (unbound != null) {
            unbound.close();
        }
    }

    @Test
    void serverRunsOnTheRequestedTransport() {
        assertThat(server.transport()).isEqualTo(transport());
        assertThat(front.localAddress().getPort()).isPositive();
        assertThat(front.isOpen()).isTrue();
    }

    @Test
    void everyNameFormAnswersOverUdpAndTcp() {
        Map<String, Set<String>> expected = new HashMap<>();
        expected.put("web", Set.of("100.64.0.2"));
        expected.put("web.front", Set.of("100.64.0.2"));
        expected.put("tasks.web", Set.of("100.64.0.3", "100.64.0.5"));
        expected.put("TASKS.Web.FRONT", Set.of("100.64.0.3", "100.64.0.5"));
        expected.put("www", Set.of("100.64.0.2"));
        expected.put("web.1.t1", Set.of("100.64.0.3"));
        expected.put("web.3.t3.front", Set.of("100.64.0.5"));
        expected.put("host-t3", Set.of("100.64.0.5"));
        expected.put("mon.node-a.m1", Set.of("100.64.0.21"));
        expected.put("api", Set.of("100.64.0.10"));
        for (String transportOption : List.of("+notcp", "+tcp")) {
            expected.forEach((name, ips) -> {
                Dig.Result r = Dig.ask(front.localAddress(), name, "A", transportOption);
                assertThat(r.status()).as(name + " " + transportOption).isEqualTo("NOERROR");
                assertThat(r.flags()).as(name).contains("qr", "aa", "ra");
                assertThat(new HashSet<>(r.data()))
                        .as(name + " " + transportOption)
                        .isEqualTo(ips);
            });
        }
    }

    @Test
    void vipAndTaskAnswersCarryTheirTtls() {
        assertThat(Dig.ask(front.localAddress(), "web", "A").answers())
                .singleElement()
                .satisfies(rr -> assertThat(rr.ttl()).isEqualTo(5));
        assertThat(Dig.ask(front.localAddress(), "tasks.web", "A").answers())
                .allSatisfy(rr -> assertThat(rr.ttl()).isEqualTo(1));
    }

    @Test
    void aaaaOfAKnownNameIsNoDataAndNotForwarded() {
        long forwarded = server.metrics().forwardedCount();
        Dig.Result r = Dig.ask(front.localAddress(), "web", "AAAA");
        assertThat(r.status()).isEqualTo("NOERROR");
        assertThat(r.answers()).isEmpty();
        assertThat(server.metrics().forwardedCount()).isEqualTo(forwarded);
    }

    @Test
    void ptrNamesTheVipAndTheTask() {
        assertThat(Dig.ask(front.localAddress(), "2.0.64.100.in-addr.arpa", "PTR")
                        .data())
                .containsExactly("web.front.");
        assertThat(Dig.ask(front.localAddress(), "5.0.64.100.in-addr.arpa", "PTR")
                        .data())
                .containsExactly("web.3.t3.front.");
    }

    @Test
    void srvOfAPublishedPortPointsAtTheVip() {
        Dig.Result r = Dig.ask(front.localAddress(), "_http._tcp.web", "SRV");
        assertThat(r.data()).containsExactly("0 1 80 web.front.");
        assertThat(r.additional()).anySatisfy(rr -> assertThat(rr.data()).isEqualTo("100.64.0.2"));
    }

    @Test
    void bigDnsrrServiceTruncatesOverUdpAndTcpReturnsEveryTask() {
        long truncated = server.metrics().truncatedCount();
        Dig.Result classic = Dig.ask(front.localAddress(), "big", "A", "+ignore", "+noedns");
        assertThat(classic.flags()).contains("tc");
        assertThat(classic.answers()).hasSize((512 - 12 - 9) / 16);

        Dig.Result edns = Dig.ask(front.localAddress(), "big", "A", "+ignore", "+bufsize=1232");
        assertThat(edns.flags()).contains("tc");
        assertThat(edns.answers()).hasSize((1232 - 12 - 9 - 11) / 16);

        Dig.Result retried = Dig.ask(front.localAddress(), "big", "A");
        assertThat(retried.output()).contains("Truncated, retrying in TCP mode");
        assertThat(retried.answers()).hasSize(Fixtures.BIG_TASKS);

        Dig.Result tcp = Dig.ask(front.localAddress(), "big", "A", "+tcp");
        assertThat(tcp.flags()).doesNotContain("tc");
        assertThat(new HashSet<>(tcp.data())).hasSize(Fixtures.BIG_TASKS);
        assertThat(server.metrics().truncatedCount()).isGreaterThanOrEqualTo(truncated + 3);
    }

    @Test
    void eachBindingAnswersOnlyForItsContainersNetworks() {
        assertThat(Dig.ask(back.localAddress(), "db", "A").data())
                .containsExactlyInAnyOrder("100.64.1.3", "100.64.1.4");
        assertThat(Dig.ask(back.localAddress(), "api", "A").data()).containsExactly("100.64.1.10");
        // Not on back: forwarded, and the upstream knows no such name.
        assertThat(Dig.ask(back.localAddress(), "web", "A").status()).isEqualTo("NXDOMAIN");
        assertThat(Dig.ask(front.localAddress(), "db", "A").status()).isEqualTo("NXDOMAIN");
    }

    @Test
    void scopeChangeAppliesToTheNextQuery() {
        try {
            back.scope(DnsScope.of(BACK, FRONT));
            assertThat(Dig.ask(back.localAddress(), "web", "A").data()).containsExactly("100.64.0.2");
        } finally {
            back.scope(DnsScope.of(BACK));
        }
        assertThat(Dig.ask(back.localAddress(), "web", "A").status()).isEqualTo("NXDOMAIN");
    }

    @Test
    void newTableIsServedWithoutRebinding() {
        try {
            server.update(new ServiceTable(9, Fixtures.networks(), List.of()));
            assertThat(Dig.ask(front.localAddress(), "web", "A").status()).isEqualTo("NXDOMAIN");
        } finally {
            server.update(Fixtures.table());
        }
        assertThat(Dig.ask(front.localAddress(), "web", "A").data()).containsExactly("100.64.0.2");
    }

    @Test
    void unknownNamesAreForwardedToTheUpstream() {
        long forwarded = server.metrics().forwardedCount();
        assertThat(Dig.ask(front.localAddress(), "www.upstream.test", "A").data())
                .containsExactly("198.18.7.7");
        assertThat(Dig.ask(front.localAddress(), "WWW.upstream.test", "A", "+tcp")
                        .data())
                .containsExactly("198.18.7.7");
        assertThat(Dig.ask(front.localAddress(), "nothing.upstream.test", "A").status())
                .isEqualTo("NXDOMAIN");
        assertThat(server.metrics().forwardedCount()).isEqualTo(forwarded + 3);
    }

    @Test
    void truncatedUpstreamAnswerIsFetchedAgainOverTcpForTcpClients() {
        Dig.Result udp = Dig.ask(front.localAddress(), "big.upstream.test", "TXT", "+ignore", "+bufsize=1232");
        assertThat(udp.flags()).contains("tc");
        Dig.Result tcp = Dig.ask(front.localAddress(), "big.upstream.test", "TXT", "+tcp", "+bufsize=1232");
        assertThat(tcp.status()).isEqualTo("NOERROR");
        assertThat(tcp.flags()).doesNotContain("tc");
        assertThat(tcp.answers()).hasSize(BIG_TXT_RECORDS);
    }

    @Test
    void garbageIsAnsweredWithFormerrOrDroppedAndServingGoesOn() throws IOException {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            socket.setSoTimeout(2000);
            // Too short for a header: no reply.
            send(socket, new byte[] {1, 2, 3});
            // Two questions: FORMERR with the query's id.
            byte[] two = Dns.query("web", Type.A);
            two[5] = 2;
            send(socket, two);
            Message formerr = receive(socket);
            assertThat(formerr.getHeader().getID()).isEqualTo(id(two));
            assertThat(formerr.getRcode()).isEqualTo(Rcode.FORMERR);

            // A burst of random and mutated packets; whatever comes back must be a DNS answer to one of them.
            Random random = new Random(42);
            Set<Integer> ids = new HashSet<>();
            byte[] valid = Dns.query("tasks.web", Type.A);
            for (int i = 0; i < 2000; i++) {
                byte[] p = i % 2 == 0 ? new byte[random.nextInt(64)] : valid.clone();
                if (i % 2 == 0) {
                    random.nextBytes(p);
                } else {
                    for (int k = 0; k < 3; k++) {
                        p[random.nextInt(p.length)] = (byte) random.nextInt(256);
                    }
                }
                if (p.length >= 2) {
                    ids.add(id(p));
                }
                send(socket, p);
            }
            socket.setSoTimeout(300);
            int replies = 0;
            try {
                while (true) {
                    byte[] buf = new byte[65535];
                    DatagramPacket packet = new DatagramPacket(buf, buf.length);
                    socket.receive(packet);
                    assertThat(packet.getLength()).isGreaterThanOrEqualTo(12);
                    assertThat(ids).contains(((buf[0] & 0xFF) << 8) | (buf[1] & 0xFF));
                    assertThat(buf[2] & 0x80).as("QR set in every reply").isNotZero();
                    replies++;
                }
            } catch (SocketTimeoutException done) {
                // drained
            }
            assertThat(replies).isPositive();
        }
        assertThat(server.metrics().droppedCount()).isPositive();
        assertThat(Dig.ask(front.localAddress(), "web", "A").data()).containsExactly("100.64.0.2");
    }

    @Test
    void queriesLargerThanTheUdpCapAreAnsweredAndDoNotDisturbOthers() throws IOException {
        // On epoll the server reads in batches (recvmmsg) into udpCap-sized slots: a bigger datagram
        // is cut there. Either way it gets an answer (NOERROR, or FORMERR when cut) and nothing else
        // is lost or mixed up.
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            socket.setSoTimeout(2000);
            byte[] valid = Dns.query("web", Type.A);
            for (int i = 0; i < 20; i++) {
                byte[] big = java.util.Arrays.copyOf(Dns.query("web", Type.A), 4000);
                big[0] = 0x7F;
                big[1] = (byte) i;
                valid[0] = 0x3F;
                valid[1] = (byte) i;
                send(socket, big);
                send(socket, valid);
                Map<Integer, Message> replies = new HashMap<>();
                for (int k = 0; k < 2; k++) {
                    Message m = receive(socket);
                    replies.put(m.getHeader().getID(), m);
                }
                assertThat(replies).containsKeys(id(big), id(valid));
                assertThat(replies.get(id(big)).getRcode()).isIn(Rcode.NOERROR, Rcode.FORMERR);
                assertThat(Dns.addresses(replies.get(id(valid)))).containsExactly("100.64.0.2");
            }
        }
    }

    @Test
    void oneTcpConnectionCarriesSeveralQueries() throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(front.localAddress(), 2000);
            socket.setSoTimeout(5000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            List<byte[]> queries = List.of(
                    Dns.query("web", Type.A), Dns.query("www.upstream.test", Type.A), Dns.query("tasks.web", Type.A));
            Map<Integer, String> expectedFirst = new HashMap<>();
            for (byte[] q : queries) {
                out.writeShort(q.length);
                out.write(q);
            }
            out.flush();
            Map<Integer, List<String>> answers = new HashMap<>();
            for (int i = 0; i < queries.size(); i++) {
                byte[] reply = new byte[in.readUnsignedShort()];
                in.readFully(reply);
                Message m = Dns.parse(reply);
                answers.put(m.getHeader().getID(), Dns.addresses(m));
            }
            assertThat(answers.get(id(queries.get(0)))).containsExactly("100.64.0.2");
            assertThat(answers.get(id(queries.get(1)))).containsExactly("198.18.7.7");
            assertThat(answers.get(id(queries.get(2)))).containsExactlyInAnyOrder("100.64.0.3", "100.64.0.5");
            assertThat(expectedFirst).isEmpty();
        }
    }

    @Test
    void idleTcpConnectionIsClosedByTheServer() throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(front.localAddress(), 2000);
            socket.setSoTimeout(5000);
            long start = System.nanoTime();
            try {
                assertThat(socket.getInputStream().read()).isEqualTo(-1);
            } catch (EOFException | java.net.SocketException reset) {
                // closed: also fine
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isBetween(Duration.ofMillis(800), Duration.ofSeconds(4));
        }
    }

    @Test
    void metricsAreExposedWithShoalNames() {
        Dig.ask(front.localAddress(), "web", "A");
        StringBuilder text = new StringBuilder();
        server.metrics().writePrometheus(text);
        assertThat(text.toString())
                .contains("shoal_dns_queries_total{type=\"A\"}")
                .contains("shoal_dns_responses_total{rcode=\"NOERROR\"}")
                .contains("shoal_dns_forwarded_total")
                .contains("shoal_dns_upstream_latency_seconds_count");
        assertThat(server.metrics().queries("A")).isPositive();
    }

    private static int id(byte[] packet) {
        return ((packet[0] & 0xFF) << 8) | (packet[1] & 0xFF);
    }

    private void send(DatagramSocket socket, byte[] payload) throws IOException {
        socket.send(new DatagramPacket(payload, payload.length, front.localAddress()));
    }

    private static Message receive(DatagramSocket socket) throws IOException {
        byte[] buf = new byte[65535];
        DatagramPacket packet = new DatagramPacket(buf, buf.length);
        socket.receive(packet);
        return Dns.parse(java.util.Arrays.copyOf(buf, packet.getLength()));
    }
}
