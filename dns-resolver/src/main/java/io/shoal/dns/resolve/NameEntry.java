package io.shoal.dns.resolve;

/**
 * What one of Shoal's names holds, pre-encoded when the index is built so that answering copies
 * bytes and allocates nothing: addresses (for A/AAAA/ANY) or SRV targets, and their TTL.
 */
final class NameEntry {
    private static final byte[][] NONE = new byte[0][];
    private static final SrvTarget[] NO_SRV = new SrvTarget[0];

    final byte[][] v4;
    final byte[][] v6;
    final SrvTarget[] srv;
    final int ttl;
    /** The resolution that answers from this entry, made once so a lookup allocates nothing. */
    final Resolution answer;

    private NameEntry(byte[][] v4, byte[][] v6, SrvTarget[] srv, int ttl) {
        this.v4 = v4;
        this.v6 = v6;
        this.srv = srv;
        this.ttl = ttl;
        this.answer = Resolution.answer(this);
    }

    static NameEntry addresses(byte[][] v4, byte[][] v6, int ttl) {
        return new NameEntry(v4, v6, NO_SRV, ttl);
    }

    static NameEntry srv(SrvTarget[] srv, int ttl) {
        return new NameEntry(NONE, NONE, srv, ttl);
    }

    boolean isSrvName() {
        return srv.length > 0;
    }
}
