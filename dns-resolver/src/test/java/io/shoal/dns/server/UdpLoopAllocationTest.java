package io.shoal.dns.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.testing.Dns;
import io.shoal.dns.testing.Fixtures;
import io.shoal.testbed.Requirements;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.xbill.DNS.Type;

/**
 * The UDP loops (selector and batched) answer from the table without allocating per query, end to end over a
 * real loopback socket: the loop thread's own allocation counter (the JVM's per-thread one) over
 * 20,000 queries from one client, each answer checked.
 */
class UdpLoopAllocationTest {
    private static final int QUERIES = 20_000;

    @ParameterizedTest
    @EnumSource(
            value = UdpIo.class,
            names = {"SELECTOR", "MMSG"})
    void theUdpLoopAllocatesNothingPerLocalAnswer(UdpIo udpIo) throws IOException {
        Requirements.require(udpIo.isAvailable(), udpIo + " (" + udpIo.unavailabilityCause() + ")");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (DnsServer server = DnsServer.start(DnsServerConfig.defaults().withUdpIo(udpIo));
                DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            server.update(Fixtures.table());
            DnsBinding b = server.bind(new InetSocketAddress("127.0.0.1", 0), DnsScope.of("n1"));
            client.connect(b.localAddress());
            client.setSoTimeout(3000);
            byte[] query = Dns.query("web", Type.A);
            DatagramPacket reply = new DatagramPacket(new byte[512], 512);
            ask(client, query, reply, QUERIES); // warm: class loading, thread-locals, JIT
            Thread loop = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("shoal-dns-udp-1"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no thread shoal-dns-udp-1"));
            long before = threads.getThreadAllocatedBytes(loop.getId());
            ask(client, query, reply, QUERIES);
            long perQuery = (threads.getThreadAllocatedBytes(loop.getId()) - before) / QUERIES;
            assertThat(perQuery)
                    .as("bytes the %s UDP loop thread allocated per query answered from the table", udpIo)
                    .isZero();
        }
    }

    private static void ask(DatagramSocket client, byte[] query, DatagramPacket reply, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            query[0] = (byte) (i >> 8);
            query[1] = (byte) i;
            client.send(new DatagramPacket(query, query.length));
            reply.setLength(512);
            client.receive(reply);
            byte[] answer = Arrays.copyOf(reply.getData(), reply.getLength());
            assertThat(answer[0] == query[0] && answer[1] == query[1])
                    .as("id of answer %d", i)
                    .isTrue();
            assertThat(Dns.addresses(Dns.parse(answer))).containsExactly("100.64.0.2");
        }
    }
}
