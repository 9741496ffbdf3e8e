package io.shoal.dns.server;

/** How the server reads and answers UDP queries. */
public enum UdpIo {
    /**
     * A {@code java.nio} selector thread per event loop thread ({@link SelectorUdpLoop}): one
     * receive and one send system call per query, nothing allocated by the server per local answer.
     * The default: at a fixed 5,000 queries/s it spent about half the CPU per query of the Netty
     * datagram channel, and under saturation more queries/s (benchmarks/README.md).
     */
    SELECTOR,
    /**
     * The transport's Netty datagram channel on the event loops (epoll: {@code recvmmsg} batches of
     * 16 and one {@code sendmmsg} per batch).
     */
    TRANSPORT
}
