package io.shoal.dns.server;

import static io.shoal.dns.testing.Fixtures.FRONT;
import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.dns.forward.UpstreamConfig;
import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.testing.Dig;
import io.shoal.dns.testing.Ports;
import io.shoal.dns.testing.Unbound;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Upstreams that do not answer: SERVFAIL in bounded time, failover to the next upstream. */
class ForwardingFailureTest {
    private static final Pattern QUERY_TIME = Pattern.compile("Query time: (\\d+) msec");

    @BeforeEach
    void needDig() {
        Dig.requireDig();
    }

    @Test
    void noReachableUpstreamGivesServfailWithinTwoSeconds() throws IOException {
        // A socket that is bound but never read: queries to it vanish, as to a dead resolver.
        try (DatagramSocket blackhole = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                DnsServer server = DnsServer.start(
                        DnsServerConfig.defaults().withUpstream(UpstreamConfig.of(List.of((InetSocketAddress)
                                blackhole.getLocalSocketAddress()))))) {
            DnsBinding b = server.bind(new InetSocketAddress("127.0.0.1", 0), DnsScope.of(FRONT));
            for (String option : List.of("+notcp", "+tcp")) {
                Dig.Result r = Dig.ask(b.localAddress(), "www.example.test", "A", option);
                assertThat(r.status()).as(option).isEqualTo("SERVFAIL");
                assertThat(queryMillis(r)).as(option).isBetween(1000L, 2000L);
            }
            assertThat(server.metrics().upstreamFailureCount()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void withoutUpstreamsUnknownNamesGetServfailAtOnce() {
        try (DnsServer server = DnsServer.start(DnsServerConfig.defaults())) {
            DnsBinding b = server.bind(new InetSocketAddress("127.0.0.1", 0), DnsScope.of(FRONT));
            Dig.Result r = Dig.ask(b.localAddress(), "www.example.test", "A");
            assertThat(r.status()).isEqualTo("SERVFAIL");
            assertThat(queryMillis(r)).isLessThan(500L);
        }
    }

    @Test
    void deadUpstreamIsSkippedAfterItTimesOut() throws IOException {
        try (DatagramSocket blackhole = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                Unbound unbound = Unbound.start(
                        Ports.free("127.0.0.1"), "upstream.test", List.of("www.upstream.test. 60 IN A 198.18.7.8"));
                DnsServer server = DnsServer.start(DnsServerConfig.defaults()
                        .withUpstream(UpstreamConfig.of(
                                List.of((InetSocketAddress) blackhole.getLocalSocketAddress(), unbound.address()))))) {
            DnsBinding b = server.bind(new InetSocketAddress("127.0.0.1", 0), DnsScope.of(FRONT));
            Dig.Result first = Dig.ask(b.localAddress(), "www.upstream.test", "A");
            assertThat(first.data()).containsExactly("198.18.7.8");
            assertThat(queryMillis(first)).isGreaterThanOrEqualTo(600L);
            Dig.Result second = Dig.ask(b.localAddress(), "www.upstream.test", "A");
            assertThat(second.data()).containsExactly("198.18.7.8");
            assertThat(queryMillis(second)).isLessThan(500L);
        }
    }

    private static long queryMillis(Dig.Result r) {
        Matcher m = QUERY_TIME.matcher(r.output());
        assertThat(m.find()).as("dig prints the query time: " + r.output()).isTrue();
        return Long.parseLong(m.group(1));
    }
}
