package io.shoal.dns.resolve;

import static io.shoal.dns.testing.Fixtures.FRONT;
import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.dns.testing.Dns;
import io.shoal.dns.testing.Fixtures;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

/**
 * 200,000 random and mutated packets through the responder: it never throws, every reply is
 * valid DNS (by dnsjava) with the query's id and QR set, and well-formed queries sent in between
 * are still answered right.
 */
class FuzzTest {
    private final ResponderHarness dns = new ResponderHarness(Fixtures.table());

    @Test
    void randomAndMutatedPacketsNeverBreakTheResponder() {
        Random random = new Random(20261123);
        byte[][] seeds = {
            Dns.query("tasks.web", Type.A),
            Dns.query("_http._tcp.web", Type.SRV, 1, 1232),
            Dns.query("2.0.64.100.in-addr.arpa", Type.PTR),
            Dns.query("big", Type.A, 1, 4096),
        };
        int replies = 0;
        for (int i = 0; i < 200_000; i++) {
            byte[] p;
            if (i % 3 == 0) {
                p = new byte[random.nextInt(80)];
                random.nextBytes(p);
            } else {
                byte[] seed = seeds[random.nextInt(seeds.length)];
                p = java.util.Arrays.copyOf(seed, Math.max(0, seed.length + random.nextInt(9) - 4));
                for (int k = random.nextInt(4); k >= 0 && p.length > 0; k--) {
                    p[random.nextInt(p.length)] = (byte) random.nextInt(256);
                }
            }
            ResponderHarness.Reply reply = dns.send(p, DnsScope.of(FRONT), random.nextBoolean());
            if (reply.outcome() == DnsResponder.Outcome.REPLIED) {
                Message m = Dns.parse(reply.wire());
                assertThat(m.getHeader().getID()).isEqualTo(((p[0] & 0xFF) << 8) | (p[1] & 0xFF));
                assertThat(m.getHeader().getFlag(org.xbill.DNS.Flags.QR)).isTrue();
                replies++;
            }
            if (i % 1000 == 0) {
                assertThat(Dns.addresses(dns.ask("web", Type.A, DnsScope.of(FRONT))))
                        .containsExactly("100.64.0.2");
            }
        }
        assertThat(replies).isGreaterThan(10_000);
        assertThat(dns.metrics.droppedCount()).isPositive();
    }
}
