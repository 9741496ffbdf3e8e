package io.shoal.ingress.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A random /24 inside 127.0.0.0/8 for one test, so parallel runs and leftovers of earlier tests
 * never share an address: .1 is the proxy, .11 onwards the backends, .100 onwards the clients.
 */
public final class Loopback {
    private final int a;
    private final int b;

    public Loopback() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        this.a = 20 + r.nextInt(200);
        this.b = 1 + r.nextInt(250);
    }

    public InetAddress host(int last) {
        try {
            return InetAddress.getByAddress(new byte[] {127, (byte) a, (byte) b, (byte) last});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    public InetAddress proxy() {
        return host(1);
    }

    public InetAddress backend(int i) {
        return host(11 + i);
    }

    public InetAddress client(int i) {
        return host(100 + i);
    }

    /** A port free on {@code address} right now (the kernel's choice). */
    public static int freePort(InetAddress address) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(address, 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The CIDR of this block, e.g. for a trusted-proxy list. */
    public static String cidr(InetAddress host) {
        return host.getHostAddress() + "/32";
    }
}
