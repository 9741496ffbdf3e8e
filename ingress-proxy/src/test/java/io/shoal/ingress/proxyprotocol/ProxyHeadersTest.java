package io.shoal.ingress.proxyprotocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.shoal.ingress.policy.ProxyProtocol;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The mesh's own PROXY header encoding is byte for byte Netty's, and Netty's decoder reads it back. */
class ProxyHeadersTest {
    static List<Arguments> cases() throws Exception {
        InetSocketAddress v4client = new InetSocketAddress(InetAddress.getByName("198.18.1.7"), 51234);
        InetSocketAddress v4edge = new InetSocketAddress(InetAddress.getByName("198.18.255.254"), 9);
        InetSocketAddress v6client = new InetSocketAddress(InetAddress.getByName("2001:db8::1:7"), 65535);
        InetSocketAddress v4local = new InetSocketAddress(InetAddress.getByName("198.18.0.1"), 8080);
        InetSocketAddress v6local = new InetSocketAddress(InetAddress.getByName("2001:db8::a"), 443);
        return List.of(
                Arguments.of(ProxyProtocol.V1, v4client, v4local, false),
                Arguments.of(ProxyProtocol.V1, v4edge, v4local, false),
                Arguments.of(ProxyProtocol.V1, v6client, v6local, false),
                Arguments.of(ProxyProtocol.V1, v6client, v4local, false),
                Arguments.of(ProxyProtocol.V1, v4client, v6local, false),
                Arguments.of(ProxyProtocol.V2, v4client, v4local, false),
                Arguments.of(ProxyProtocol.V2, v4client, v4local, true),
                Arguments.of(ProxyProtocol.V2, v6client, v6local, false),
                Arguments.of(ProxyProtocol.V2, v6client, v6local, true),
                Arguments.of(ProxyProtocol.V2, v6client, v4local, false),
                Arguments.of(ProxyProtocol.V2, v4client, v6local, false));
    }

    @ParameterizedTest(name = "{0} {1} -> {2} udp={3}")
    @MethodSource("cases")
    void sameBytesAsNettysEncoderAndDecodable(
            ProxyProtocol version, InetSocketAddress client, InetSocketAddress local, boolean udp) {
        EmbeddedChannel netty = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        netty.writeOutbound(ProxyHeaders.header(version, client, local, udp));
        ByteBuf expected = netty.readOutbound();
        ByteBuf ours = ProxyHeaders.encode(version, client, local, udp, UnpooledByteBufAllocator.DEFAULT);
        try {
            assertThat(ByteBufUtil.hexDump(ours)).isEqualTo(ByteBufUtil.hexDump(expected));
            EmbeddedChannel decoder = new EmbeddedChannel(new HAProxyMessageDecoder());
            decoder.writeInbound(ours.retainedDuplicate());
            HAProxyMessage m = decoder.readInbound();
            assertThat(m.sourceAddress()).isEqualTo(client.getAddress().getHostAddress());
            assertThat(m.sourcePort()).isEqualTo(client.getPort());
            assertThat(m.destinationPort()).isEqualTo(local.getPort());
            m.release();
            decoder.finishAndReleaseAll();
        } finally {
            expected.release();
            ours.release();
            netty.finishAndReleaseAll();
        }
    }

    @Test
    void refusesWhatTheProtocolCannotSay() throws Exception {
        InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("198.18.1.7"), 1);
        assertThatThrownBy(() -> ProxyHeaders.encode(ProxyProtocol.V1, a, a, true, UnpooledByteBufAllocator.DEFAULT))
                .hasMessageContaining("v1 cannot describe UDP");
        assertThatThrownBy(() -> ProxyHeaders.encode(ProxyProtocol.NONE, a, a, false, UnpooledByteBufAllocator.DEFAULT))
                .hasMessageContaining("no header");
    }

    @Test
    void everyPortAndOctetWidthMatches() throws Exception {
        Random r = new Random(7);
        InetSocketAddress local = new InetSocketAddress(InetAddress.getByName("198.18.0.1"), 80);
        for (int i = 0; i < 2000; i++) {
            byte[] b = {(byte) 198, 18, (byte) r.nextInt(256), (byte) r.nextInt(256)};
            int port = i < 20 ? i : r.nextInt(65536);
            InetSocketAddress client = new InetSocketAddress(InetAddress.getByAddress(b), port);
            EmbeddedChannel netty = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
            netty.writeOutbound(ProxyHeaders.header(ProxyProtocol.V1, client, local, false));
            ByteBuf expected = netty.readOutbound();
            ByteBuf ours =
                    ProxyHeaders.encode(ProxyProtocol.V1, client, local, false, UnpooledByteBufAllocator.DEFAULT);
            assertThat(ours).as("%s", client).isEqualTo(expected);
            expected.release();
            ours.release();
        }
    }
}
