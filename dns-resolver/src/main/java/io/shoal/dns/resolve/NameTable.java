package io.shoal.dns.resolve;

import io.shoal.dns.wire.DnsNames;
import io.shoal.dns.wire.ParsedQuery;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * An immutable map from lower-case names to values, probed with the bytes of a parsed question
 * ({@link ParsedQuery#nameHash()}, {@link ParsedQuery#nameEquals(byte[])}) so that a lookup makes no
 * string and hashes nothing: the parser computed the hash while reading the name.
 *
 * <p>Open addressing with linear probing in a power-of-two table at most half full. Built once per
 * {@link NameIndex}, off the hot path.
 */
final class NameTable<V> {
    private final byte[][] keys;
    private final int[] hashes;
    private final Object[] values;
    private final int mask;

    NameTable(Map<String, V> entries) {
        int capacity = Integer.highestOneBit(Math.max(4, entries.size() * 2 - 1)) << 1;
        keys = new byte[capacity][];
        hashes = new int[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
        entries.forEach((name, value) -> {
            // Question names are read byte for byte into Latin-1 text; keys are encoded alike.
            byte[] key = name.getBytes(StandardCharsets.ISO_8859_1);
            int h = DnsNames.hash(key);
            int i = spread(h) & mask;
            while (keys[i] != null) {
                i = (i + 1) & mask;
            }
            keys[i] = key;
            hashes[i] = h;
            values[i] = value;
        });
    }

    /** The value of the question's name, or null. */
    @SuppressWarnings("unchecked")
    V get(ParsedQuery q) {
        int h = q.nameHash();
        int len = q.nameLength();
        for (int i = spread(h) & mask; ; i = (i + 1) & mask) {
            byte[] key = keys[i];
            if (key == null) {
                return null;
            }
            if (hashes[i] == h && key.length == len && q.nameEquals(key)) {
                return (V) values[i];
            }
        }
    }

    /** Mixes the high bits down: names differing only in their last characters still spread. */
    private static int spread(int h) {
        return h ^ (h >>> 16);
    }
}
