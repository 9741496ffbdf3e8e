package io.shoal.ingress.proxyprotocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProxyHeaderGateTest {
    private final List<String> rejections = new ArrayList<>();

    private EmbeddedChannel channel(boolean trusted) {
        return new EmbeddedChannel(new ProxyHeaderGate(trusted, rejections::add));
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static String text(ByteBuf b) {
        try {
            return b.toString(StandardCharsets.US_ASCII);
        } finally {
            b.release();
        }
    }

    @Test
    void untrustedPayloadPassesUntouchedEvenWhenItArrivesInPieces() {
        EmbeddedChannel ch = channel(false);
        ch.writeInbound(ascii("PRO"));
        assertThat((Object) ch.readInbound()).isNull();
        ch.writeInbound(ascii("PFIND\n"));
        assertThat(text(ch.readInbound())).isEqualTo("PROPFIND\n");
        assertThat(ch.pipeline().get(ProxyHeaderGate.class))
                .as("the gate leaves once it decided")
                .isNull();
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void untrustedHeaderClosesTheConnection() {
        EmbeddedChannel ch = channel(false);
        ch.writeInbound(ascii("PROXY TCP4 198.18.1.1 198.18.0.1 1 2\r\nGET /"));
        assertThat(ch.isOpen()).isFalse();
        assertThat(rejections).singleElement().asString().contains("untrusted");
        ch.finishAndReleaseAll();
    }

    @Test
    void trustedHeaderIsDecodedAndTheRestFollows() {
        EmbeddedChannel ch = channel(true);
        ch.writeInbound(ascii("PROXY TCP4 198.18.1.1 198.18.0.1 4000 80\r\nhello"));
        HAProxyMessage m = ch.readInbound();
        assertThat(m.sourceAddress()).isEqualTo("198.18.1.1");
        assertThat(m.sourcePort()).isEqualTo(4000);
        m.release();
        assertThat(text(ch.readInbound())).isEqualTo("hello");
        ch.finishAndReleaseAll();
    }

    @Test
    void trustedSourceWithoutHeaderIsRefused() {
        EmbeddedChannel ch = channel(true);
        ch.writeInbound(ascii("GET / HTTP/1.1\r\n"));
        assertThat(ch.isOpen()).isFalse();
        assertThat(rejections).singleElement().asString().contains("sent no PROXY header");
        ch.finishAndReleaseAll();
    }

    @Test
    void halfCloseDuringASignaturePrefixReleasesTheBytesFromAnUntrustedSource() {
        EmbeddedChannel ch = channel(false);
        ch.writeInbound(ascii("PR"));
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(text(ch.readInbound())).isEqualTo("PR");
        ch.finishAndReleaseAll();

        EmbeddedChannel trusted = channel(true);
        trusted.writeInbound(ascii("PR"));
        trusted.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(trusted.isOpen()).isFalse();
        trusted.finishAndReleaseAll();
    }
}
