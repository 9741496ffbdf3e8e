/**
 * Netlink sockets: open, bind, send a request with a fresh sequence number, and read its replies
 * into one reused direct buffer until the ack, the error or {@code NLMSG_DONE}.
 */
package io.shoal.netlink.socket;
