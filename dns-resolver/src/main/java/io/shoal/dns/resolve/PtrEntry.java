package io.shoal.dns.resolve;

/** The reverse answer for one of Shoal's addresses. */
final class PtrEntry {
    /** The network the address is on (PTR is scoped like every other name). */
    final String networkId;
    /** The name the address maps back to, in wire form. */
    final byte[] targetWire;
    /** Its TTL in seconds. */
    final int ttl;
    /** The resolution that answers from this entry, made once so a PTR lookup allocates nothing. */
    final Resolution answer;

    PtrEntry(String networkId, byte[] targetWire, int ttl) {
        this.networkId = networkId;
        this.targetWire = targetWire;
        this.ttl = ttl;
        this.answer = Resolution.answer(this);
    }
}
