package io.shoal.dns.resolve;

/**
 * The reverse answer for one of Shoal's addresses.
 *
 * @param networkId the network the address is on (PTR is scoped like every other name)
 * @param targetWire the name the address maps back to, in wire form
 * @param ttl its TTL in seconds
 */
record PtrEntry(String networkId, byte[] targetWire, int ttl) {}
