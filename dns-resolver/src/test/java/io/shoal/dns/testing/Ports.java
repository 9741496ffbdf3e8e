package io.shoal.dns.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Free loopback ports for test peers. */
public final class Ports {
    private Ports() {}

    /** A port free for both UDP and TCP on {@code host} right now. */
    public static InetSocketAddress free(String host) {
        try {
            InetAddress address = InetAddress.getByName(host);
            for (int i = 0; i < 20; i++) {
                try (ServerSocket tcp = new ServerSocket(0, 1, address);
                        DatagramSocket udp = new DatagramSocket(new InetSocketAddress(address, tcp.getLocalPort()))) {
                    return new InetSocketAddress(address, udp.getLocalPort());
                } catch (IOException busy) {
                    // UDP side taken: try another
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no free port on " + host);
    }
}
