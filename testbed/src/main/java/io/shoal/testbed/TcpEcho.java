package io.shoal.testbed;

import java.net.Inet4Address;
import java.time.Duration;

/**
 * A TCP echo exchange between testbed members, with {@code socat}: proof that two members really
 * talk (a handshake, bytes there and back), not only that they answer ping.
 */
public final class TcpEcho {
    private TcpEcho() {}

    /** Starts an echo server on {@code port} (all addresses) in {@code host}; it serves any number of clients. */
    public static HostProcess startServer(Host host, int port) {
        checkPort(port);
        return host.start("socat", "TCP-LISTEN:" + port + ",reuseaddr,fork", "PIPE");
    }

    /**
     * Connects from {@code from} to {@code to:port}, sends {@code payload}, half-closes and returns what
     * came back. The exit status is non-zero when the connection failed or timed out.
     *
     * @param connectTimeout how long the TCP handshake may take; keep it short when a failure is expected
     */
    public static ExecResult send(Host from, Inet4Address to, int port, String payload, Duration connectTimeout) {
        checkPort(port);
        double seconds = connectTimeout.toMillis() / 1000.0;
        return from.execWithInput(
                payload,
                connectTimeout.plusSeconds(10),
                "socat",
                // -t: after our EOF, wait this long for the echo; -T: give up on a silent peer.
                "-t",
                "2",
                "-T",
                "3",
                "-",
                "TCP:" + to.getHostAddress() + ":" + port + ",connect-timeout=" + seconds);
    }

    private static void checkPort(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: expected 1..65535, got " + port);
        }
    }
}
