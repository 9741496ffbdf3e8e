package io.shoal.ingress.proxyprotocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.shoal.ingress.policy.ProxyProtocol;
import io.shoal.ingress.proxyprotocol.ProxySignature.Verdict;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProxySignatureTest {
    private static Verdict classify(byte[] bytes) {
        ByteBuf b = Unpooled.wrappedBuffer(bytes);
        try {
            return ProxySignature.classify(b);
        } finally {
            b.release();
        }
    }

    @Test
    void recognisesV1AndV2AndDecidesEarlyOnOrdinaryPayload() {
        assertThat(classify("PROXY TCP4 ".getBytes(StandardCharsets.US_ASCII))).isEqualTo(Verdict.HEADER);
        assertThat(classify(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21}))
                .isEqualTo(Verdict.HEADER);
        assertThat(classify("PRO".getBytes(StandardCharsets.US_ASCII))).isEqualTo(Verdict.NEED_MORE);
        assertThat(classify(new byte[] {0x0D, 0x0A})).isEqualTo(Verdict.NEED_MORE);
        assertThat(classify("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo(Verdict.NOT_HEADER);
        assertThat(classify("hi".getBytes(StandardCharsets.US_ASCII))).isEqualTo(Verdict.NOT_HEADER);
    }

    @Test
    void headerForAClientRoundTripsThroughNettysDecoder() {
        for (ProxyProtocol v : new ProxyProtocol[] {ProxyProtocol.V1, ProxyProtocol.V2}) {
            HAProxyMessage header = ProxyHeaders.header(
                    v, new InetSocketAddress("198.18.3.4", 40001), new InetSocketAddress("198.18.0.1", 8080), false);
            EmbeddedChannel out = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
            out.writeOutbound(header);
            ByteBuf wire = out.readOutbound();
            EmbeddedChannel in = new EmbeddedChannel(new HAProxyMessageDecoder());
            in.writeInbound(wire);
            HAProxyMessage decoded = in.readInbound();
            assertThat(decoded.sourceAddress()).isEqualTo("198.18.3.4");
            assertThat(decoded.sourcePort()).isEqualTo(40001);
            assertThat(decoded.destinationAddress()).isEqualTo("198.18.0.1");
            assertThat(decoded.destinationPort()).isEqualTo(8080);
            decoded.release();
            out.finishAndReleaseAll();
            in.finishAndReleaseAll();
        }
    }

    @Test
    void v1CannotCarryUdp() {
        assertThatThrownBy(() -> ProxyHeaders.header(
                        ProxyProtocol.V1,
                        new InetSocketAddress("198.18.3.4", 1),
                        new InetSocketAddress("198.18.0.1", 2),
                        true))
                .hasMessageContaining("v1 cannot describe UDP");
    }
}
