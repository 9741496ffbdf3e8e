package io.shoal.ingress.balance;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The Maglev consistent-hashing lookup table (Eisenbud et al., NSDI 2016), as a pure function of
 * the backend keys and the table size.
 *
 * <p>Each backend derives a permutation of the table slots from two hashes of its key (an offset
 * and a skip); backends take turns claiming their next free preferred slot until the table is
 * full. Every backend therefore owns either ⌊M/N⌋ or ⌈M/N⌉ slots (even spread), and removing one
 * backend moves few slots that belonged to the others (minimal disruption).
 */
public final class MaglevTable {
    /** A prime well above the expected number of backends per port (Maglev wants M ≫ N). */
    public static final int DEFAULT_SIZE = 16381;

    private MaglevTable() {}

    /**
     * Builds the table.
     *
     * @param keys the backend keys, distinct, in any order (the result depends on the set only
     *     through each key's own hashes, and on order only for who claims contended slots first)
     * @param size the table size; must be prime so every skip generates a full permutation
     * @return for each slot, the index into {@code keys} of its backend; empty when keys is empty
     */
    public static int[] build(List<String> keys, int size) {
        if (size < 2 || !isPrime(size)) {
            throw new IllegalArgumentException("maglev table size: " + size + " is not a prime ≥ 2");
        }
        int n = keys.size();
        if (n == 0) {
            return new int[0];
        }
        long[] offset = new long[n];
        long[] skip = new long[n];
        for (int i = 0; i < n; i++) {
            byte[] k = keys.get(i).getBytes(StandardCharsets.UTF_8);
            offset[i] = Long.remainderUnsigned(hash(k, 0x9E3779B97F4A7C15L), size);
            skip[i] = Long.remainderUnsigned(hash(k, 0xC2B2AE3D27D4EB4FL), size - 1) + 1;
        }
        int[] table = new int[size];
        java.util.Arrays.fill(table, -1);
        long[] next = new long[n];
        int filled = 0;
        while (true) {
            for (int i = 0; i < n; i++) {
                int slot = (int) ((offset[i] + next[i] * skip[i]) % size);
                while (table[slot] >= 0) {
                    next[i]++;
                    slot = (int) ((offset[i] + next[i] * skip[i]) % size);
                }
                table[slot] = i;
                next[i]++;
                if (++filled == size) {
                    return table;
                }
            }
        }
    }

    /**
     * {@link #hash(byte[], long)} of {@code address.getAddress()}, without copying the bytes of an
     * IPv4 address (its hash code is the address itself).
     */
    public static long hash(java.net.InetAddress address, long seed) {
        if (!(address instanceof java.net.Inet4Address)) {
            return hash(address.getAddress(), seed);
        }
        int v = address.hashCode();
        long h = 0xCBF29CE484222325L ^ seed;
        for (int shift = 24; shift >= 0; shift -= 8) {
            h ^= (v >>> shift) & 0xFF;
            h *= 0x100000001B3L;
        }
        return mix(h);
    }

    /** A 64-bit hash of {@code data} (FNV-1a folded through a murmur3 finaliser), seeded. */
    public static long hash(byte[] data, long seed) {
        long h = 0xCBF29CE484222325L ^ seed;
        for (byte b : data) {
            h ^= (b & 0xFF);
            h *= 0x100000001B3L;
        }
        return mix(h);
    }

    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return h;
    }

    private static boolean isPrime(int v) {
        if (v < 4) {
            return v >= 2;
        }
        if (v % 2 == 0) {
            return false;
        }
        for (int d = 3; (long) d * d <= v; d += 2) {
            if (v % d == 0) {
                return false;
            }
        }
        return true;
    }
}
