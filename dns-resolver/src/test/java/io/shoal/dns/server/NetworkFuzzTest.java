package io.shoal.dns.server;

import static io.shoal.dns.testing.Fixtures.FRONT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.testing.Dns;
import io.shoal.dns.testing.Fixtures;
import io.shoal.testbed.Requirements;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

/**
 * Random and mutated packets over a real socket: the server never stops answering the well-formed
 * query sent after every thousand. 200,000 packets in CI (the figure, ~20 s here), 50,000
 * on a developer's machine; {@code -Dshoal.dns.fuzz.packets=N} overrides.
 */
class NetworkFuzzTest {
    private static final int PACKETS =
            Integer.getInteger("shoal.dns.fuzz.packets", Requirements.inCi() ? 200_000 : 50_000);

    @Test
    @SuppressWarnings("try") // the socket is closed early on purpose, to end the receiver thread
    void serverKeepsAnsweringThroughAFloodOfGarbage() throws Exception {
        try (DnsServer server = DnsServer.start(DnsServerConfig.defaults());
                DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            server.update(Fixtures.table());
            InetSocketAddress dns = server.bind(new InetSocketAddress("127.0.0.1", 0), DnsScope.of(FRONT))
                    .localAddress();
            socket.setReceiveBufferSize(1 << 20);
            Map<Integer, List<String>> probeAnswers = new ConcurrentHashMap<>();
            List<String> badReplies = new CopyOnWriteArrayList<>();
            AtomicLong replies = new AtomicLong();
            Thread receiver = new Thread(() -> {
                byte[] buf = new byte[65535];
                while (!socket.isClosed()) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    try {
                        socket.receive(p);
                    } catch (SocketException closed) {
                        return;
                    } catch (IOException e) {
                        badReplies.add(e.toString());
                        return;
                    }
                    replies.incrementAndGet();
                    if (p.getLength() < 12 || (buf[2] & 0x80) == 0) {
                        badReplies.add("reply of " + p.getLength() + " bytes without QR");
                        continue;
                    }
                    int id = ((buf[0] & 0xFF) << 8) | (buf[1] & 0xFF);
                    if (id >= 0xFF00) { // probe ids, never used by fuzz packets
                        Message m = Dns.parse(Arrays.copyOf(buf, p.getLength()));
                        probeAnswers.put(id, Dns.addresses(m));
                    }
                }
            });
            receiver.start();
            Random random = new Random(7);
            byte[] seed = Dns.query("tasks.web", Type.A, 1, 1232);
            int probe = 0xFF00;
            for (int sent = 0; sent < PACKETS; ) {
                for (int i = 0; i < 1000 && sent < PACKETS; i++, sent++) {
                    byte[] p;
                    if (i % 2 == 0) {
                        p = new byte[random.nextInt(100)];
                        random.nextBytes(p);
                    } else {
                        p = Arrays.copyOf(seed, seed.length + random.nextInt(5) - 2);
                        for (int k = random.nextInt(4); k >= 0; k--) {
                            p[2 + random.nextInt(p.length - 2)] = (byte) random.nextInt(256);
                        }
                    }
                    if (p.length >= 2 && (p[0] & 0xFF) == 0xFF) {
                        p[0] = 0; // keep probe ids apart
                    }
                    socket.send(new DatagramPacket(p, p.length, dns));
                }
                int id = probe++;
                byte[] q = Dns.query("web", Type.A);
                q[0] = (byte) (id >> 8);
                q[1] = (byte) id;
                await().atMost(Duration.ofSeconds(10))
                        .pollDelay(Duration.ZERO)
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> {
                            socket.send(new DatagramPacket(q, q.length, dns)); // resend: UDP may drop under load
                            return probeAnswers.containsKey(id);
                        });
                assertThat(probeAnswers.get(id)).containsExactly("100.64.0.2");
                if (probe > 0xFFFE) {
                    probe = 0xFF00;
                    probeAnswers.clear();
                }
            }
            socket.close();
            receiver.join(5000);
            assertThat(badReplies).isEmpty();
            assertThat(replies.get()).isPositive();
            assertThat(server.metrics().droppedCount()).isPositive();
        }
    }
}
