/** Native transport choice: io_uring, then epoll, then NIO, by availability probe. */
package io.shoal.ingress.transport;
