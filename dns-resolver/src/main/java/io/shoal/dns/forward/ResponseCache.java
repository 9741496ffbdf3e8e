package io.shoal.dns.forward;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shoal.dns.wire.DnsWire;
import io.shoal.dns.wire.ParsedQuery;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Upstream answers kept by question, so a repeated name costs no upstream round trip, with
 * negative caching (RFC 2308) and serve-stale (RFC 8767) for when the upstreams are down. Docker's
 * resolver has neither.
 *
 * <p>An entry is the upstream's response bytes plus the offsets of its TTL fields: serving it
 * copies the bytes, sets the client's id and rewrites each TTL to what is left of it. The key is
 * the question (case-folded) plus the client's EDNS presence and DO bit, because those change the
 * response's shape. Truncated answers, SERVFAIL and answers with a TTL of 0 are not kept.
 *
 * <p>Thread-safe without locks (a concurrent map of immutable entries).
 */
public final class ResponseCache {
    private final CacheConfig config;
    private final LongSupplier clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    private record Entry(
            byte[] wire, int[] ttlOffsets, int[] ttls, long storedNanos, long expiresNanos, long staleUntilNanos) {}

    /** A cache on {@link System#nanoTime()}. */
    public ResponseCache(CacheConfig config) {
        this(config, System::nanoTime);
    }

    /** A cache on the given clock (nanoseconds), for tests. */
    public ResponseCache(CacheConfig config, LongSupplier clock) {
        this.config = config;
        this.clock = clock;
    }

    /** The cache key of a query, or null when it must not be cached (no usable question). */
    public static String key(ByteBuf query, ParsedQuery q) {
        if (!q.hasQuestion() || q.problemRcode() != DnsWire.NOERROR) {
            return null;
        }
        int base = query.readerIndex();
        int len = q.questionEnd() - DnsWire.QUESTION_OFFSET;
        char[] k = new char[len + 1];
        for (int i = 0; i < len; i++) {
            int c = query.getUnsignedByte(base + DnsWire.QUESTION_OFFSET + i);
            k[i] = (char) (c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        k[len] = (char) ('0' + (q.hasEdns() ? 1 : 0) + (q.dnssecOk() ? 2 : 0));
        return new String(k);
    }

    /**
     * A fresh answer for {@code key} with the client's id and the remaining TTLs, or null. The
     * answer is only returned when it fits {@code limit} bytes.
     */
    public ByteBuf get(String key, int clientId, int limit, ByteBufAllocator alloc) {
        Entry e = entries.get(key);
        long now = clock.getAsLong();
        if (e == null || now - e.expiresNanos >= 0 || e.wire.length > limit) {
            return null;
        }
        int age = (int) ((now - e.storedNanos) / 1_000_000_000L);
        return render(e, clientId, alloc, age, -1);
    }

    /** An expired answer still within the stale window, with the stale TTL, or null. */
    public ByteBuf getStale(String key, int clientId, int limit, ByteBufAllocator alloc) {
        Entry e = entries.get(key);
        long now = clock.getAsLong();
        if (e == null || now - e.staleUntilNanos >= 0 || e.wire.length > limit) {
            return null;
        }
        boolean fresh = now - e.expiresNanos < 0;
        int age = (int) ((now - e.storedNanos) / 1_000_000_000L);
        return render(
                e, clientId, alloc, age, fresh ? -1 : (int) config.staleTtl().toSeconds());
    }

    /** Keeps {@code response} (not consumed) for {@code key} if it may be cached. */
    public void put(String key, ByteBuf response) {
        if (key == null || config.maxEntries() == 0) {
            return;
        }
        Entry e = entry(response);
        if (e == null) {
            return;
        }
        if (entries.size() >= config.maxEntries() && !entries.containsKey(key)) {
            evictExpired();
            if (entries.size() >= config.maxEntries()) {
                return; // full of live entries: better keep them than churn
            }
        }
        entries.put(key, e);
    }

    public int size() {
        return entries.size();
    }

    private void evictExpired() {
        long now = clock.getAsLong();
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            if (now - it.next().staleUntilNanos >= 0) {
                it.remove();
            }
        }
    }

    private static ByteBuf render(Entry e, int clientId, ByteBufAllocator alloc, int age, int fixedTtl) {
        ByteBuf out = alloc.ioBuffer(e.wire.length);
        out.writeBytes(e.wire);
        out.setShort(0, clientId);
        for (int i = 0; i < e.ttlOffsets.length; i++) {
            int ttl = fixedTtl >= 0 ? fixedTtl : Math.max(0, e.ttls[i] - age);
            out.setInt(e.ttlOffsets[i], ttl);
        }
        return out;
    }

    /** Reads a response's records; null when it must not be cached. */
    private Entry entry(ByteBuf r) {
        int base = r.readerIndex();
        int length = r.readableBytes();
        if (length < DnsWire.HEADER_LENGTH) {
            return null;
        }
        int flags = r.getUnsignedShort(base + 2);
        int rcode = flags & 0xF;
        if ((flags & DnsWire.FLAG_TC) != 0 || (rcode != DnsWire.NOERROR && rcode != DnsWire.NXDOMAIN)) {
            return null;
        }
        int qd = r.getUnsignedShort(base + 4);
        int an = r.getUnsignedShort(base + 6);
        int ns = r.getUnsignedShort(base + 8);
        int ar = r.getUnsignedShort(base + 10);
        int pos = DnsWire.HEADER_LENGTH;
        for (int i = 0; i < qd; i++) {
            pos = skipName(r, base, length, pos);
            if (pos < 0 || (pos += 4) > length) {
                return null;
            }
        }
        int total = an + ns + ar;
        int[] offsets = new int[total];
        int[] ttls = new int[total];
        int n = 0;
        long minTtl = Long.MAX_VALUE;
        long negativeTtl = -1;
        for (int i = 0; i < total; i++) {
            pos = skipName(r, base, length, pos);
            if (pos < 0 || pos + 10 > length) {
                return null;
            }
            int type = r.getUnsignedShort(base + pos);
            long ttl = r.getUnsignedInt(base + pos + 4);
            int rdlength = r.getUnsignedShort(base + pos + 8);
            if (pos + 10 + rdlength > length) {
                return null;
            }
            if (type != DnsWire.TYPE_OPT) {
                offsets[n] = pos + 4;
                ttls[n] = (int) Math.min(ttl, Integer.MAX_VALUE);
                n++;
                minTtl = Math.min(minTtl, ttl);
                boolean authority = i >= an && i < an + ns;
                if (authority && type == TYPE_SOA && rdlength >= 20) {
                    long minimum = r.getUnsignedInt(base + pos + 10 + rdlength - 4);
                    negativeTtl = Math.min(ttl, minimum);
                }
            }
            pos += 10 + rdlength;
        }
        long ttlSeconds;
        if (an > 0 && rcode == DnsWire.NOERROR) {
            ttlSeconds = Math.min(minTtl, config.maxTtl().toSeconds());
        } else if (negativeTtl >= 0) {
            ttlSeconds = Math.min(negativeTtl, config.maxNegativeTtl().toSeconds());
        } else {
            return null; // negative without SOA: RFC 2308 says do not cache
        }
        if (ttlSeconds <= 0) {
            return null;
        }
        byte[] wire = new byte[length];
        r.getBytes(base, wire);
        int[] o = java.util.Arrays.copyOf(offsets, n);
        int[] t = java.util.Arrays.copyOf(ttls, n);
        long now = clock.getAsLong();
        long expires = now + ttlSeconds * 1_000_000_000L;
        return new Entry(wire, o, t, now, expires, expires + config.staleFor().toNanos());
    }

    private static final int TYPE_SOA = 6;

    private static int skipName(ByteBuf r, int base, int length, int pos) {
        for (int guard = 0; guard < 128; guard++) {
            if (pos >= length) {
                return -1;
            }
            int len = r.getUnsignedByte(base + pos);
            if (len == 0) {
                return pos + 1;
            }
            if ((len & 0xC0) == 0xC0) {
                return pos + 2 <= length ? pos + 2 : -1;
            }
            if ((len & 0xC0) != 0) {
                return -1;
            }
            pos += len + 1;
        }
        return -1;
    }

    @Override
    public String toString() {
        return "ResponseCache{entries=" + entries.size() + "}";
    }
}
