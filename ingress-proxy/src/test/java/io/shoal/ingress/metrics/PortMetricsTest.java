package io.shoal.ingress.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.ingress.policy.PortKey;
import org.junit.jupiter.api.Test;

class PortMetricsTest {
    @Test
    void histogramIsCumulativeAndNamesFollowPrometheusConventions() {
        PortMetrics m = new PortMetrics(PortKey.tcp(8080));
        m.connected(50_000); // 50 µs
        m.connected(3_000_000); // 3 ms
        m.connected(5_000_000_000L); // 5 s, only in +Inf
        MetricsSnapshot s = new MetricsSnapshot(m.samples());
        String l = "port=\"8080\",protocol=\"tcp\"";
        assertThat(s.value("shoal_ingress_backend_connect_seconds_bucket", l + ",le=\"1.0E-4\""))
                .contains(1.0);
        assertThat(s.value("shoal_ingress_backend_connect_seconds_bucket", l + ",le=\"0.005\""))
                .contains(2.0);
        assertThat(s.value("shoal_ingress_backend_connect_seconds_bucket", l + ",le=\"+Inf\""))
                .contains(3.0);
        assertThat(s.value("shoal_ingress_backend_connect_seconds_count", l)).contains(3.0);
        assertThat(s.value("shoal_ingress_backend_connect_seconds_sum", l).orElseThrow())
                .isBetween(5.0, 5.01);
        assertThat(s.samples()).allSatisfy(x -> assertThat(x.name()).startsWith("shoal_ingress_"));
        assertThat(s.toPrometheusText())
                .contains("shoal_ingress_connections_total{port=\"8080\",protocol=\"tcp\"} 0\n");
    }

    @Test
    void bufferedBytesFollowReadsAndWrites() {
        PortMetrics m = new PortMetrics(PortKey.tcp(80));
        m.readFromClient(100);
        m.readFromBackend(50);
        assertThat(m.bufferedBytes()).isEqualTo(150);
        m.wroteToBackend(100);
        m.discarded(50);
        assertThat(m.bufferedBytes()).isZero();
        assertThat(m.inBytes()).isEqualTo(100);
    }

    @Test
    void byteCountersOfSeveralThreadsAddUp() throws Exception {
        PortMetrics m = new PortMetrics(PortKey.tcp(81));
        int threads = 4;
        int chunks = 10_000;
        Thread[] loops = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int size = t + 1;
            loops[t] = new Thread(() -> {
                PortMetrics.ByteCounters own = m.byteCounters();
                assertThat(m.byteCounters()).isSameAs(own);
                for (int i = 0; i < chunks; i++) {
                    own.read(size);
                    own.wroteToBackend(size);
                    own.read(2L * size);
                    own.wroteToClient(2L * size);
                }
                own.read(7);
            });
            loops[t].start();
        }
        for (Thread t : loops) {
            t.join();
        }
        m.datagramToBackend(5);
        // 1+2+3+4 = 10 per chunk round
        assertThat(m.inBytes()).isEqualTo(10L * chunks + 5);
        assertThat(m.outBytes()).isEqualTo(20L * chunks);
        assertThat(m.bufferedBytes()).isEqualTo(7L * threads);
        MetricsSnapshot s = new MetricsSnapshot(m.samples());
        assertThat(s.value("shoal_ingress_in_bytes_total", "port=\"81\",protocol=\"tcp\""))
                .contains((double) (10L * chunks + 5));
    }
}
