package io.shoal.ingress.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MaglevTableTest {
    private static List<String> keys(int n) {
        return IntStream.range(0, n)
                .mapToObj(i -> "100.64.0." + (i + 2) + ":80")
                .toList();
    }

    @Test
    void everyBackendOwnsAnEvenShareOfSlots() {
        for (int n : new int[] {1, 2, 3, 7, 10, 50}) {
            int[] table = MaglevTable.build(keys(n), 65537);
            int[] counts = new int[n];
            for (int slot : table) {
                counts[slot]++;
            }
            int min = IntStream.of(counts).min().orElseThrow();
            int max = IntStream.of(counts).max().orElseThrow();
            assertThat(max - min).as("spread for %d backends", n).isLessThanOrEqualTo(1);
            assertThat(IntStream.of(counts).sum()).isEqualTo(65537);
        }
    }

    @Test
    void removingOneBackendMovesFewSlotsOfTheOthers() {
        List<String> before = keys(10);
        List<String> after = new ArrayList<>(before);
        String removed = after.remove(4);
        int[] t1 = MaglevTable.build(before, 65537);
        int[] t2 = MaglevTable.build(after, 65537);
        int kept = 0;
        int moved = 0;
        for (int i = 0; i < t1.length; i++) {
            String was = before.get(t1[i]);
            String now = after.get(t2[i]);
            if (was.equals(removed)) {
                continue;
            }
            kept++;
            if (!was.equals(now)) {
                moved++;
            }
        }
        // Slots of the removed backend must move; the others should mostly stay (Maglev reports a few %).
        assertThat((double) moved / kept).isLessThan(0.06);
        for (int i = 0; i < t2.length; i++) {
            assertThat(after.get(t2[i])).isNotEqualTo(removed);
        }
    }

    @Test
    void sameKeysGiveTheSameTable() {
        assertThat(MaglevTable.build(keys(5), 251)).isEqualTo(MaglevTable.build(keys(5), 251));
    }

    @Test
    void emptyBackendSetGivesAnEmptyTable() {
        assertThat(MaglevTable.build(List.of(), 251)).isEmpty();
    }

    @Test
    void nonPrimeSizeIsRefusedWithTheValue() {
        assertThatThrownBy(() -> MaglevTable.build(keys(3), 1000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1000");
    }

    @org.junit.jupiter.api.Test
    void addressHashEqualsTheHashOfItsBytes() throws Exception {
        java.util.Random r = new java.util.Random(11);
        for (int i = 0; i < 1000; i++) {
            byte[] v4 = new byte[4];
            byte[] v6 = new byte[16];
            r.nextBytes(v4);
            r.nextBytes(v6);
            long seed = r.nextLong();
            for (byte[] b : new byte[][] {v4, v6}) {
                org.assertj.core.api.Assertions.assertThat(MaglevTable.hash(java.net.InetAddress.getByAddress(b), seed))
                        .isEqualTo(MaglevTable.hash(b, seed));
            }
        }
    }
}
