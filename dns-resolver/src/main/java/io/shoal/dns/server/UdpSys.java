package io.shoal.dns.server;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;

/**
 * The libc calls of {@link MmsgUdpLoop}, bound through JNR-FFI. Pointers are plain {@code long}
 * addresses of memory the loop allocated (x86-64 and arm64 pass both the same way), so a call
 * marshals nothing. {@code sendto} is not bound: through JNR-FFI its sixth argument (the address
 * length) did not arrive (EINVAL), so single answers go through {@code sendmmsg} too. Public only
 * because JNR-FFI implements it from a class loader of its own; not an API.
 */
public interface UdpSys {
    int AF_INET = 2;
    int AF_INET6 = 10;
    int SOCK_DGRAM = 2;
    int SOCK_NONBLOCK = 0x800;
    int SOCK_CLOEXEC = 0x80000;
    int SOL_SOCKET = 1;
    int SO_REUSEADDR = 2;
    int SO_REUSEPORT = 15;
    int MSG_DONTWAIT = 0x40;
    int MSG_TRUNC = 0x20;
    int EPOLL_CLOEXEC = 0x80000;
    int EPOLL_CTL_ADD = 1;
    int EPOLL_CTL_DEL = 2;
    int EPOLLIN = 0x1;
    int EFD_NONBLOCK = 0x800;
    int EFD_CLOEXEC = 0x80000;
    int EINTR = 4;
    int EAGAIN = 11;

    @SaveError
    int socket(int domain, int type, int protocol);

    @SaveError
    int setsockopt(int fd, int level, int option, long value, int valueLength);

    @SaveError
    int bind(int fd, long address, int addressLength);

    @SaveError
    int getsockname(int fd, long address, long addressLength);

    @SaveError
    int recvmmsg(int fd, long messages, int count, int flags, long timeout);

    @SaveError
    int sendmmsg(int fd, long messages, int count, int flags);

    @SaveError
    int epoll_create1(int flags);

    @SaveError
    int epoll_ctl(int epfd, int op, int fd, long event);

    @SaveError
    int epoll_wait(int epfd, long events, int maxEvents, int timeoutMillis);

    @SaveError
    int eventfd(int initial, int flags);

    @SaveError
    long write(int fd, long buffer, long length);

    @SaveError
    long read(int fd, long buffer, long length);

    @SaveError
    int close(int fd);

    /** Loads libc once; {@link #cause()} says why that failed, if it did. */
    final class Holder {
        static final UdpSys SYS;
        static final Runtime RUNTIME;
        static final Throwable CAUSE;

        static {
            UdpSys sys = null;
            Runtime runtime = null;
            Throwable cause = null;
            try {
                String os = System.getProperty("os.name", "");
                String arch = System.getProperty("os.arch", "");
                if (!os.toLowerCase(java.util.Locale.ROOT).contains("linux")) {
                    throw new UnsupportedOperationException("recvmmsg/sendmmsg need Linux, this is " + os);
                }
                if (!arch.equals("amd64") && !arch.equals("x86_64") && !arch.equals("aarch64")) {
                    // struct layouts below are the LP64 ones of these two
                    throw new UnsupportedOperationException("struct layouts known for x86-64 and arm64, not " + arch);
                }
                if (!io.netty.util.internal.PlatformDependent.hasUnsafe()) {
                    throw new UnsupportedOperationException(
                            "native memory access needs sun.misc.Unsafe",
                            io.netty.util.internal.PlatformDependent.getUnsafeUnavailabilityCause());
                }
                sys = LibraryLoader.create(UdpSys.class).failImmediately().load("c");
                runtime = Runtime.getRuntime(sys);
            } catch (Throwable t) {
                cause = t;
                sys = null;
                runtime = null;
            }
            SYS = sys;
            RUNTIME = runtime;
            CAUSE = cause;
        }

        private Holder() {}

        static UdpSys sys() {
            if (SYS == null) {
                throw new UnsupportedOperationException("recvmmsg/sendmmsg are not available", CAUSE);
            }
            return SYS;
        }

        static int errno() {
            return RUNTIME.getLastError();
        }

        static Throwable cause() {
            return CAUSE;
        }
    }
}
