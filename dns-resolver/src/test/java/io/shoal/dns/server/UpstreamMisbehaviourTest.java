package io.shoal.dns.server;

import static io.shoal.dns.testing.Fixtures.FRONT;
import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.dns.forward.UpstreamConfig;
import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.testing.Dns;
import io.shoal.dns.testing.ScriptedUpstream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Forwarding against upstreams that misbehave on purpose: spoofed replies, SERVFAIL. */
class UpstreamMisbehaviourTest {

    @Test
    void repliesFromElsewhereForAnotherQuestionOrWithTheWrongIdAreIgnored() throws Exception {
        try (DatagramSocket spoofer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            ScriptedUpstream[] self = new ScriptedUpstream[1];
            try (ScriptedUpstream upstream = new ScriptedUpstream((q, from) -> {
                        int id = q.getHeader().getID();
                        // Right id and question, wrong source address:port.
                        ScriptedUpstream.send(spoofer, ScriptedUpstream.answer(q, "198.18.6.66"), from);
                        // Right source and id, another question.
                        Message other = new Message(id);
                        other.getHeader().setFlag(Flags.QR);
                        other.addRecord(
                                Record.newRecord(Name.fromConstantString("evil.test."), Type.A, 1), Section.QUESTION);
                        self[0].send(other, from);
                        // Right source and question, wrong id.
                        self[0].send(
                                ScriptedUpstream.answer(q, (id + 1) & 0xFFFF, Rcode.NOERROR, List.of("198.18.6.67")),
                                from);
                        // The genuine answer, last.
                        self[0].send(ScriptedUpstream.answer(q, "198.18.7.20"), from);
                    });
                    DnsServer server = server(upstream.address())) {
                self[0] = upstream;
                InetSocketAddress dns = bind(server);
                assertThat(Dns.addresses(ask(dns, "www.example.test"))).containsExactly("198.18.7.20");
            }
        }
    }

    @Test
    void queriesLeaveFromSeveralSourcePorts() throws Exception {
        ScriptedUpstream[] self = new ScriptedUpstream[1];
        try (ScriptedUpstream upstream = new ScriptedUpstream(
                        (q, from) -> self[0].send(ScriptedUpstream.answer(q, "198.18.7.20"), from));
                DnsServer server = server(upstream.address())) {
            self[0] = upstream;
            InetSocketAddress dns = bind(server);
            for (int i = 0; i < 24; i++) {
                assertThat(Dns.addresses(ask(dns, "n" + i + ".example.test"))).containsExactly("198.18.7.20");
            }
            // 8 sockets picked at random: all 24 queries on one port has probability 8^-23.
            assertThat(upstream.sourcePorts()).hasSizeGreaterThan(1);
        }
    }

    @Test
    void servfailFromOneUpstreamMovesToTheNext() throws Exception {
        ScriptedUpstream[] self = new ScriptedUpstream[2];
        try (ScriptedUpstream failing = new ScriptedUpstream((q, from) -> self[0].send(
                        ScriptedUpstream.answer(q, q.getHeader().getID(), Rcode.SERVFAIL, List.of()), from));
                ScriptedUpstream working = new ScriptedUpstream(
                        (q, from) -> self[1].send(ScriptedUpstream.answer(q, "198.18.7.21"), from));
                DnsServer server = server(failing.address(), working.address())) {
            self[0] = failing;
            self[1] = working;
            InetSocketAddress dns = bind(server);
            Message m = ask(dns, "www.example.test");
            assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(Dns.addresses(m)).containsExactly("198.18.7.21");
            assertThat(failing.sourcePorts())
                    .as("the first upstream was asked first")
                    .isNotEmpty();
        }
    }

    @Test
    void beyondTheInFlightCapNewQueriesGetServfailAtOnce() throws Exception {
        try (DatagramSocket blackhole = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            UpstreamConfig capped = new UpstreamConfig(
                    List.of((InetSocketAddress) blackhole.getLocalSocketAddress()),
                    java.time.Duration.ofMillis(700),
                    java.time.Duration.ofMillis(1800),
                    1,
                    java.time.Duration.ofSeconds(5),
                    io.shoal.dns.forward.CacheConfig.DEFAULTS);
            try (DnsServer server = DnsServer.start(DnsServerConfig.defaults().withUpstream(capped))) {
                InetSocketAddress dns = bind(server);
                client.setSoTimeout(3000);
                byte[] first = Dns.query("one.example.test", Type.A);
                byte[] second = Dns.query("two.example.test", Type.A);
                client.send(new DatagramPacket(first, first.length, dns));
                client.send(new DatagramPacket(second, second.length, dns));
                long start = System.nanoTime();
                byte[] buf = new byte[512];
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                client.receive(p);
                Message m = Dns.parse(Arrays.copyOf(buf, p.getLength()));
                // The second query is refused at once while the first still waits for the dead upstream.
                assertThat(m.getHeader().getID()).isEqualTo(((second[0] & 0xFF) << 8) | (second[1] & 0xFF));
                assertThat(m.getRcode()).isEqualTo(Rcode.SERVFAIL);
                assertThat(java.time.Duration.ofNanos(System.nanoTime() - start))
                        .isLessThan(java.time.Duration.ofMillis(600));
                client.receive(p);
                assertThat(Dns.parse(Arrays.copyOf(buf, p.getLength())).getRcode())
                        .isEqualTo(Rcode.SERVFAIL);
            }
        }
    }

    private static DnsServer server(InetSocketAddress... upstreams) {
        return DnsServer.start(DnsServerConfig.defaults().withUpstream(UpstreamConfig.of(List.of(upstreams))));
    }

    private static InetSocketAddress bind(DnsServer server) {
        return server.bind(new InetSocketAddress("127.0.0.1", 0), DnsScope.of(FRONT))
                .localAddress();
    }

    private static Message ask(InetSocketAddress server, String name) throws IOException {
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout(3000);
            byte[] q = Dns.query(name, Type.A);
            client.send(new DatagramPacket(q, q.length, server));
            byte[] buf = new byte[4096];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            client.receive(p);
            Message m = Dns.parse(Arrays.copyOf(buf, p.getLength()));
            assertThat(m.getHeader().getID()).isEqualTo(((q[0] & 0xFF) << 8) | (q[1] & 0xFF));
            return m;
        }
    }
}
