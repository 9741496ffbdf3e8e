package io.shoal.dns.server;

import io.shoal.dns.forward.UpstreamConfig;
import io.shoal.dns.resolve.DnsTtls;
import io.shoal.dns.transport.Transport;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Configuration of a {@link DnsServer}.
 *
 * @param transport the Netty transport, or empty to probe ({@link Transport#best()}: epoll, then
 *     io_uring, then NIO)
 * @param threads event loop threads serving every binding (default 1: a lookup is sub-microsecond
 *     work, and the node has other jobs); each binding gets one UDP socket per thread, all on its
 *     address and port (SO_REUSEPORT), so that every thread reads and answers its own share
 * @param ttls TTLs of Shoal's own answers
 * @param udpCap largest UDP answer even when a client advertises more, and the size Shoal
 *     advertises (default 1232: fits the IPv6 minimum MTU, so never fragments; DNS Flag Day 2020)
 * @param tcpIdleTimeout a TCP connection with no query for this long is closed (default 10 s)
 * @param maxTcpConnections open TCP connections per binding; more are closed at once (default
 *     128: a container's resolver needs a handful, and each costs buffers)
 * @param upstream forwarding of names Shoal does not own
 * @param udpIo how UDP queries are read and answered (default {@link UdpIo#best()})
 */
public record DnsServerConfig(
        Optional<Transport> transport,
        int threads,
        DnsTtls ttls,
        int udpCap,
        Duration tcpIdleTimeout,
        int maxTcpConnections,
        UpstreamConfig upstream,
        UdpIo udpIo) {

    public DnsServerConfig {
        transport = transport == null ? Optional.empty() : transport;
        if (threads < 1 || threads > 64) {
            throw new IllegalArgumentException("threads must be within 1..64, got " + threads);
        }
        if (ttls == null) {
            throw new IllegalArgumentException("ttls must not be null");
        }
        if (udpCap < 512 || udpCap > 65535) {
            throw new IllegalArgumentException("udpCap must be within 512..65535, got " + udpCap);
        }
        if (tcpIdleTimeout == null || tcpIdleTimeout.isNegative() || tcpIdleTimeout.isZero()) {
            throw new IllegalArgumentException("tcpIdleTimeout must be a positive duration, got " + tcpIdleTimeout);
        }
        if (maxTcpConnections < 1) {
            throw new IllegalArgumentException("maxTcpConnections must be at least 1, got " + maxTcpConnections);
        }
        if (upstream == null) {
            throw new IllegalArgumentException("upstream must not be null");
        }
        if (udpIo == null) {
            throw new IllegalArgumentException("udpIo must not be null");
        }
    }

    /** Defaults, forwarding to no upstream until {@link #withUpstream} says where. */
    public static DnsServerConfig defaults() {
        return new DnsServerConfig(
                Optional.empty(),
                1,
                DnsTtls.DEFAULTS,
                1232,
                Duration.ofSeconds(10),
                128,
                UpstreamConfig.of(List.of()),
                UdpIo.best());
    }

    public DnsServerConfig withTransport(Transport t) {
        return new DnsServerConfig(
                Optional.of(t), threads, ttls, udpCap, tcpIdleTimeout, maxTcpConnections, upstream, udpIo);
    }

    /** {@code n} event loop threads, each with its own UDP socket per binding (SO_REUSEPORT). */
    public DnsServerConfig withThreads(int n) {
        return new DnsServerConfig(transport, n, ttls, udpCap, tcpIdleTimeout, maxTcpConnections, upstream, udpIo);
    }

    public DnsServerConfig withUdpIo(UdpIo io) {
        return new DnsServerConfig(transport, threads, ttls, udpCap, tcpIdleTimeout, maxTcpConnections, upstream, io);
    }

    public DnsServerConfig withUpstream(UpstreamConfig u) {
        return new DnsServerConfig(transport, threads, ttls, udpCap, tcpIdleTimeout, maxTcpConnections, u, udpIo);
    }

    public DnsServerConfig withTtls(DnsTtls t) {
        return new DnsServerConfig(transport, threads, t, udpCap, tcpIdleTimeout, maxTcpConnections, upstream, udpIo);
    }

    public DnsServerConfig withMaxTcpConnections(int max) {
        return new DnsServerConfig(transport, threads, ttls, udpCap, tcpIdleTimeout, max, upstream, udpIo);
    }

    public DnsServerConfig withTcpIdleTimeout(Duration d) {
        return new DnsServerConfig(transport, threads, ttls, udpCap, d, maxTcpConnections, upstream, udpIo);
    }
}
