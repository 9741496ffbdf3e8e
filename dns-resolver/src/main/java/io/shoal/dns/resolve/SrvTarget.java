package io.shoal.dns.resolve;

/**
 * One SRV record of a service port and the address its target name resolves to (sent as glue).
 *
 * @param port the port to connect to
 * @param targetWire the target name in wire form
 * @param address the target's address (4 or 16 bytes)
 */
record SrvTarget(int port, byte[] targetWire, byte[] address) {}
