package io.shoal.balancer.maglev;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Maglev lookup table (Eisenbud et al., NSDI 2016): each backend walks its own permutation of
 * the slots and claims the next free one in turn, until every slot has an owner.
 *
 * <p>Why: every slot is owned by exactly one backend, shares are even to within one slot per
 * turn, and removing a backend mostly reassigns only the slots it owned, so flows of the other
 * backends keep their backend. The permutation depends only on a backend's id, so every node
 * computes the same table for the same backends.
 *
 * <p>Weights: in each round a backend takes as many turns as its weight divided by the greatest
 * common divisor of all weights, so shares follow the weights.
 */
public final class MaglevTable {
    private MaglevTable() {}

    /**
     * Builds the table.
     *
     * @param ids stable, distinct ids of the backends (e.g. {@code 198.18.0.11:8080})
     * @param weights weight of each backend, each at least 1
     * @param size number of slots, a prime larger than the number of backends
     * @return for each slot, the index into {@code ids} of its backend
     */
    public static int[] build(List<String> ids, int[] weights, int size) {
        int n = ids.size();
        if (n == 0) {
            throw new IllegalArgumentException("ids must not be empty");
        }
        if (weights.length != n) {
            throw new IllegalArgumentException("weights must have one entry per id: " + weights.length + " != " + n);
        }
        if (size <= n || !isPrime(size)) {
            throw new IllegalArgumentException(
                    "size must be a prime larger than the number of backends (" + n + "), was " + size);
        }
        Set<String> distinct = new HashSet<>(ids);
        if (distinct.size() != n) {
            throw new IllegalArgumentException("ids must be distinct: " + ids);
        }
        int g = 0;
        for (int i = 0; i < n; i++) {
            if (weights[i] < 1) {
                throw new IllegalArgumentException("weights[" + i + "] must be at least 1, was " + weights[i]);
            }
            g = gcd(g, weights[i]);
        }
        long[] offset = new long[n];
        long[] skip = new long[n];
        for (int i = 0; i < n; i++) {
            long[] h = hash(ids.get(i));
            offset[i] = Math.floorMod(h[0], size);
            skip[i] = Math.floorMod(h[1], size - 1) + 1;
        }
        int[] next = new int[n];
        int[] table = new int[size];
        java.util.Arrays.fill(table, -1);
        int filled = 0;
        while (true) {
            for (int i = 0; i < n; i++) {
                for (int turn = weights[i] / g; turn > 0; turn--) {
                    int slot;
                    do {
                        slot = (int) ((offset[i] + next[i] * skip[i]) % size);
                        next[i]++;
                    } while (table[slot] >= 0);
                    table[slot] = i;
                    if (++filled == size) {
                        return table;
                    }
                }
            }
        }
    }

    /** Two independent 64-bit hashes of the id, the same on every JVM and node. */
    private static long[] hash(String id) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            long a = 0;
            long b = 0;
            for (int i = 0; i < 8; i++) {
                a = (a << 8) | (d[i] & 0xff);
                b = (b << 8) | (d[8 + i] & 0xff);
            }
            return new long[] {a, b};
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    private static boolean isPrime(int n) {
        if (n < 2) {
            return false;
        }
        for (int i = 2; (long) i * i <= n; i++) {
            if (n % i == 0) {
                return false;
            }
        }
        return true;
    }
}
