package io.shoal.netlink.sys;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/** libc functions bound by JNR-FFI. Return values and errno follow the man pages. */
public interface LibC {
    @SaveError
    int socket(int domain, int type, int protocol);

    @SaveError
    int bind(int fd, Pointer address, int addressLength);

    @SaveError
    int getsockname(int fd, Pointer address, Pointer addressLength);

    @SaveError
    int setsockopt(int fd, int level, int option, Pointer value, int valueLength);

    @SaveError
    @ssize_t
    long sendto(int fd, Pointer buffer, @size_t long length, int flags, Pointer address, int addressLength);

    @SaveError
    @ssize_t
    long recvfrom(int fd, Pointer buffer, @size_t long length, int flags, Pointer address, Pointer addressLength);

    @SaveError
    int close(int fd);

    @SaveError
    int open(String path, int flags, int mode);

    @SaveError
    int unlink(String path);

    @SaveError
    int mkdir(String path, int mode);

    @SaveError
    int unshare(int flags);

    @SaveError
    int setns(int fd, int namespaceType);

    @SaveError
    int mount(String source, String target, String filesystemType, long flags, Pointer data);

    @SaveError
    int umount2(String target, int flags);

    int gettid();

    int getpid();
}
