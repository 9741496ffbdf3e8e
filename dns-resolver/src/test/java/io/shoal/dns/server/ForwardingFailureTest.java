package io.shoal.dns.server;

import static io.shoal.dns.testing.Fixtures.FRONT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.dns.forward.UpstreamConfig;
import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.testing.Dig;
import io.shoal.dns.testing.Ports;
import io.shoal.dns.testing.Unbound;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
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
            // Another name (not in the cache): the dead upstream is now tried last, so no wait.
            Dig.Result second = Dig.ask(b.localAddress(), "other.upstream.test", "A");
            assertThat(second.status()).isEqualTo("NXDOMAIN");
            assertThat(queryMillis(second)).isLessThan(500L);
        }
    }

    @Test
    void cachedNamesAreServedStaleWhenTheUpstreamStopsAndNewNamesFailWithinTwoSeconds() throws IOException {
        InetSocketAddress upstreamAddress = Ports.free("127.0.0.1");
        Unbound unbound = Unbound.start(
                upstreamAddress,
                "upstream.test",
                List.of("short.upstream.test. 1 IN A 198.18.7.9", "long.upstream.test. 300 IN A 198.18.7.10"));
        try (DnsServer server =
                DnsServer.start(DnsServerConfig.defaults().withUpstream(UpstreamConfig.of(List.of(upstreamAddress))))) {
            DnsBinding b = server.bind(new InetSocketAddress("127.0.0.1", 0), DnsScope.of(FRONT));
            assertThat(Dig.ask(b.localAddress(), "short.upstream.test", "A").data())
                    .containsExactly("198.18.7.9");
            assertThat(Dig.ask(b.localAddress(), "long.upstream.test", "A").data())
                    .containsExactly("198.18.7.10");
            // Served from the cache: the upstream is not asked again.
            long hits = server.metrics().cacheHitCount();
            assertThat(Dig.ask(b.localAddress(), "LONG.upstream.test", "A").data())
                    .containsExactly("198.18.7.10");
            assertThat(server.metrics().cacheHitCount()).isEqualTo(hits + 1);

            unbound.close();
            // A fresh entry keeps answering; an expired one is served stale (TTL 30) after the budget runs out.
            assertThat(Dig.ask(b.localAddress(), "long.upstream.test", "A").data())
                    .containsExactly("198.18.7.10");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Dig.Result stale = Dig.ask(b.localAddress(), "short.upstream.test", "A");
                assertThat(stale.answers()).singleElement().satisfies(rr -> {
                    assertThat(rr.data()).isEqualTo("198.18.7.9");
                    assertThat(rr.ttl()).isEqualTo(30);
                });
                assertThat(queryMillis(stale)).isLessThan(2000L);
            });
            assertThat(server.metrics().staleAnswerCount()).isPositive();
            Dig.Result unknown = Dig.ask(b.localAddress(), "never-asked.upstream.test", "A");
            assertThat(unknown.status()).isEqualTo("SERVFAIL");
            assertThat(queryMillis(unknown)).isLessThan(2000L);
        } finally {
            unbound.close();
        }
    }

    private static long queryMillis(Dig.Result r) {
        Matcher m = QUERY_TIME.matcher(r.output());
        assertThat(m.find()).as("dig prints the query time: " + r.output()).isTrue();
        return Long.parseLong(m.group(1));
    }
}
