/**
 * TCP forwarding of a published port: back-pressure by reading only after the previous write
 * succeeded, half-close, connect retry on another backend, idle timeouts, PROXY protocol.
 */
package io.shoal.ingress.tcp;
