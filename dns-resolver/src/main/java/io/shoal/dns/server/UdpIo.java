package io.shoal.dns.server;

/** How the server reads and answers UDP queries. */
public enum UdpIo {
    /**
     * A {@code java.nio} selector thread per event loop thread ({@link SelectorUdpLoop}): one
     * receive and one send system call per query, nothing allocated by the server per local answer.
     * The default: it spent 0.7-0.8x the CPU per query of the Netty datagram channel at a fixed
     * 5,000 queries/s and about 0.8x under saturation, below unbound's (benchmarks/README.md).
     */
    SELECTOR,
    /**
     * The transport's Netty datagram channel on the event loops (epoll: {@code recvmmsg} batches of
     * 16 and one {@code sendmmsg} per batch).
     */
    TRANSPORT
}
