package io.shoal.dns.server;

import io.netty.util.internal.PlatformDependent;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;

/**
 * A bound, non-blocking UDP socket as a bare file descriptor, for {@link MmsgUdpLoop}. Made with
 * {@code socket(2)} on the calling thread, so in that thread's network namespace (see {@link
 * io.shoal.dns.transport.SocketNamespace#open}). Only its loop closes it, so a descriptor number
 * is never used after the kernel may have given it to another file.
 */
final class NativeUdpSocket {
    /** Room for a {@code sockaddr_in6} (28 bytes), rounded up. */
    static final int SOCKADDR_SIZE = 32;

    private final int fd;
    private final InetSocketAddress localAddress;
    private volatile boolean open = true;

    private NativeUdpSocket(int fd, InetSocketAddress localAddress) {
        this.fd = fd;
        this.localAddress = localAddress;
    }

    /** Opens a socket bound to {@code bound} (SO_REUSEPORT when asked), in the caller's namespace. */
    static NativeUdpSocket open(InetSocketAddress bound, boolean reusePort) {
        UdpSys sys = UdpSys.Holder.sys();
        InetAddress address = bound.getAddress();
        int family = address instanceof Inet4Address ? UdpSys.AF_INET : UdpSys.AF_INET6;
        int fd = sys.socket(family, UdpSys.SOCK_DGRAM | UdpSys.SOCK_NONBLOCK | UdpSys.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw failure("socket", bound, UdpSys.Holder.errno());
        }
        long scratch = PlatformDependent.allocateMemory(SOCKADDR_SIZE + 8);
        try {
            if (reusePort) {
                PlatformDependent.putInt(scratch, 1);
                if (sys.setsockopt(fd, UdpSys.SOL_SOCKET, UdpSys.SO_REUSEPORT, scratch, 4) != 0) {
                    throw failure("SO_REUSEPORT", bound, UdpSys.Holder.errno());
                }
            }
            int length = writeSockaddr(scratch, bound);
            if (sys.bind(fd, scratch, length) != 0) {
                throw failure("bind", bound, UdpSys.Holder.errno());
            }
            return new NativeUdpSocket(fd, bound);
        } catch (RuntimeException e) {
            sys.close(fd);
            throw e;
        } finally {
            PlatformDependent.freeMemory(scratch);
        }
    }

    /** Writes {@code a} as a {@code sockaddr_in} or {@code sockaddr_in6} at {@code at}; its length. */
    static int writeSockaddr(long at, InetSocketAddress a) {
        PlatformDependent.setMemory(at, SOCKADDR_SIZE, (byte) 0);
        byte[] ip = a.getAddress().getAddress();
        int port = a.getPort();
        PlatformDependent.putByte(at + 2, (byte) (port >>> 8));
        PlatformDependent.putByte(at + 3, (byte) port);
        if (ip.length == 4) {
            PlatformDependent.putShort(at, (short) UdpSys.AF_INET);
            PlatformDependent.copyMemory(ip, 0, at + 4, 4);
            return 16;
        }
        PlatformDependent.putShort(at, (short) UdpSys.AF_INET6);
        PlatformDependent.copyMemory(ip, 0, at + 8, 16);
        if (a.getAddress() instanceof Inet6Address v6) {
            PlatformDependent.putInt(at + 24, v6.getScopeId());
        }
        return 28;
    }

    private static UncheckedIOException failure(String call, InetSocketAddress bound, int errno) {
        return new UncheckedIOException(
                "cannot bind UDP " + bound,
                new SocketException(call + " failed: errno " + errno + " (" + Errno.describe(errno) + ")"));
    }

    int fd() {
        return fd;
    }

    InetSocketAddress localAddress() {
        return localAddress;
    }

    boolean isOpen() {
        return open;
    }

    /** Called by the loop only, once: the descriptor is closed. */
    void closed() {
        UdpSys.Holder.sys().close(fd);
        open = false;
    }

    @Override
    public String toString() {
        return "udp fd " + fd + " at " + localAddress;
    }

    /** The few errno names a bind reports, for messages a user can act on. */
    static final class Errno {
        private Errno() {}

        static String describe(int errno) {
            return switch (errno) {
                case 1 -> "EPERM";
                case 13 -> "EACCES";
                case 22 -> "EINVAL";
                case 24 -> "EMFILE";
                case 97 -> "EAFNOSUPPORT";
                case 98 -> "EADDRINUSE";
                case 99 -> "EADDRNOTAVAIL";
                default -> "see errno(3)";
            };
        }
    }
}
