/**
 * Numeric constants from the Linux kernel's uapi headers, one class per header, each constant named
 * exactly as in the header so that a reader can grep the kernel for it.
 */
package io.shoal.netlink.uapi;
