package io.shoal.benchmarks.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The benchmark measures what it claims: a local answer with the service's VIP or tasks. */
class DnsLookupBenchmarkTest {
    @Test
    void tableHasDistinctOverlayVipsPerService() {
        Set<String> vips = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            vips.add(BenchTable.vip(i).getHostAddress());
        }
        assertThat(vips).hasSize(1000).allMatch(v -> v.startsWith("100.64."));
        assertThat(BenchTable.services(1000).services()).hasSize(1000);
    }

    @Test
    void lookupAndEncodeWritesAnAnswerWithTheVip() {
        DnsLookupBenchmark b = new DnsLookupBenchmark();
        b.form = "vip";
        b.setUp();
        try {
            for (int i = 0; i < 2; i++) { // web-0, web-1
                int length = b.lookupAndEncode();
                // header 12, question "web-i" (7) + 4, one A record: pointer, type, class, ttl, rdlength, 4 bytes
                assertThat(length).isEqualTo(12 + 7 + 4 + 16);
                byte[] rdata = new byte[4];
                b.lastResponse().getBytes(length - 4, rdata);
                assertThat(rdata).isEqualTo(BenchTable.vip(i).getAddress());
                assertThat(b.lastResponse().getUnsignedShort(6)).as("ANCOUNT").isEqualTo(1);
            }
        } finally {
            b.tearDown();
        }
    }

    @Test
    void tasksFormAnswersEveryTask() {
        DnsLookupBenchmark b = new DnsLookupBenchmark();
        b.form = "tasks";
        b.setUp();
        try {
            assertThat(b.lookupAndEncode()).isEqualTo(12 + 13 + 4 + 16 * BenchTable.TASKS);
        } finally {
            b.tearDown();
        }
    }
}
