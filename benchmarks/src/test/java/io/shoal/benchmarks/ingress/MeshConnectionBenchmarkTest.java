package io.shoal.benchmarks.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.ingress.balance.Backend;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The benchmark measures what it claims: real picks over every backend, and well-formed PROXY headers. */
class MeshConnectionBenchmarkTest {
    private static MeshConnectionBenchmark bench(String mode, int backends, String proxy) throws Exception {
        MeshConnectionBenchmark b = new MeshConnectionBenchmark();
        b.mode = mode;
        b.backends = backends;
        b.proxy = proxy;
        b.setUp();
        return b;
    }

    @Test
    void roundRobinPicksEveryBackendInTurnAndLeavesNoCount() throws Exception {
        MeshConnectionBenchmark b = bench("ROUND_ROBIN", 3, "V2");
        try {
            Map<String, Integer> seen = new HashMap<>();
            Backend last = null;
            for (int i = 0; i < 300; i++) {
                last = b.pickBackend();
                seen.merge(last.key(), 1, Integer::sum);
            }
            assertThat(seen).hasSize(3).allSatisfy((k, v) -> assertThat(v).isEqualTo(100));
            assertThat(last.activeConnections()).isZero();
        } finally {
            b.tearDown();
        }
    }

    @Test
    void maglevKeepsAClientOnOneBackendAndSpreadsClients() throws Exception {
        MeshConnectionBenchmark b = bench("MAGLEV", 100, "V2");
        try {
            Map<String, Integer> seen = new HashMap<>();
            for (int i = 0; i < 1024; i++) {
                seen.merge(b.pickBackend().key(), 1, Integer::sum);
            }
            assertThat(seen.size()).as("1,024 clients over 100 backends").isGreaterThan(80);
        } finally {
            b.tearDown();
        }
    }

    @Test
    void v1HeaderCarriesTheClientAndThePublishedAddress() throws Exception {
        MeshConnectionBenchmark b = bench("ROUND_ROBIN", 3, "V1");
        try {
            String header = new String(b.encodeOnce(0), StandardCharsets.US_ASCII);
            assertThat(header).isEqualTo("PROXY TCP4 198.18.1.1 198.18.0.1 32768 8080\r\n");
            assertThat(b.proxyHeader()).isEqualTo(header.length());
            assertThat(b.proxyHeaderNettyEncoder()).isEqualTo(header.length());
        } finally {
            b.tearDown();
        }
    }

    @Test
    void v2HeaderIsTheBinaryFormWithTheClientAddress() throws Exception {
        MeshConnectionBenchmark b = bench("ROUND_ROBIN", 3, "V2");
        try {
            byte[] h = b.encodeOnce(1);
            // 12-byte signature, version/command 0x21, TCP over IPv4 0x11, length 12, then src, dst, ports.
            assertThat(h).hasSize(16 + 12);
            assertThat(h[12]).isEqualTo((byte) 0x21);
            assertThat(h[13]).isEqualTo((byte) 0x11);
            assertThat(new byte[] {h[16], h[17], h[18], h[19]}).isEqualTo(new byte[] {(byte) 198, 18, 1, 2});
            assertThat(((h[24] & 0xff) << 8) | (h[25] & 0xff)).isEqualTo(32769);
            assertThat(b.proxyHeader()).isEqualTo(28);
            assertThat(b.proxyHeaderNettyEncoder()).isEqualTo(28);
        } finally {
            b.tearDown();
        }
    }
}
