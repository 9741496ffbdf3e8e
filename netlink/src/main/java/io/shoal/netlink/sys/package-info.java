/**
 * The few libc calls Shoal needs, bound with JNR-FFI: sockets for netlink, and the namespace calls
 * ({@code unshare}, {@code setns}, {@code mount}). Errno is read right after each call on the same
 * thread, because JNR saves it per thread.
 */
package io.shoal.netlink.sys;
