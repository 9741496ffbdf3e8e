package io.shoal.dns.server;

/** How the server reads and answers UDP queries. */
public enum UdpIo {
    /**
     * A thread per event loop thread with an {@code epoll} set of its own ({@link MmsgUdpLoop}):
     * one {@code recvmmsg} reads up to 32 queries, one {@code sendmmsg} sends their answers, from
     * slots of native memory made once (nothing allocated per local answer). The default where it
     * runs (Linux, libc through JNR-FFI): under load two system calls per batch instead of two per
     * query.
     */
    MMSG,
    /**
     * A {@code java.nio} selector thread per event loop thread ({@link SelectorUdpLoop}): one
     * receive and one send system call per query, nothing allocated by the server per local answer.
     * It spent 0.7-0.8x the CPU per query of the Netty datagram channel at a fixed 5,000 queries/s
     * and about 0.8x under saturation (benchmarks/README.md). The default where {@link #MMSG} cannot
     * run.
     */
    SELECTOR,
    /**
     * The transport's Netty datagram channel on the event loops (epoll: {@code recvmmsg} batches of
     * 16 and one {@code sendmmsg} per batch).
     */
    TRANSPORT;

    /** {@link #MMSG} where it runs, else {@link #SELECTOR}. */
    public static UdpIo best() {
        return MmsgUdpLoop.unavailabilityCause() == null ? MMSG : SELECTOR;
    }

    /** Whether this way of serving UDP runs here. */
    public boolean isAvailable() {
        return unavailabilityCause() == null;
    }

    /** Why it cannot run here, or null when it can. */
    public Throwable unavailabilityCause() {
        return this == MMSG ? MmsgUdpLoop.unavailabilityCause() : null;
    }
}
