package io.shoal.balancer.maglev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MaglevTableTest {
    private static List<String> ids(int n) {
        return IntStream.range(0, n)
                .mapToObj(i -> "198.18.0." + (10 + i) + ":8080")
                .toList();
    }

    private static int[] ones(int n) {
        int[] w = new int[n];
        Arrays.fill(w, 1);
        return w;
    }

    private static int[] counts(int[] table, int n) {
        int[] c = new int[n];
        for (int owner : table) {
            c[owner]++;
        }
        return c;
    }

    @Test
    void everySlotHasAnOwnerAndSharesDifferByAtMostOne() {
        for (int n : new int[] {1, 2, 3, 7, 10, 50}) {
            int[] table = MaglevTable.build(ids(n), ones(n), 251);
            assertThat(table).hasSize(251);
            assertThat(Arrays.stream(table).boxed().toList())
                    .allSatisfy(o -> assertThat(o).isBetween(0, n - 1));
            int[] c = counts(table, n);
            int min = Arrays.stream(c).min().orElseThrow();
            int max = Arrays.stream(c).max().orElseThrow();
            assertThat(max - min)
                    .as("spread over %d backends: %s", n, Arrays.toString(c))
                    .isLessThanOrEqualTo(1);
        }
    }

    @Test
    void largeTableIsEvenToWithinOnePercent() {
        int[] table = MaglevTable.build(ids(3), ones(3), 65_537);
        for (int c : counts(table, 3)) {
            assertThat(c).isBetween(65_537 / 3 - 220, 65_537 / 3 + 220);
        }
    }

    @Test
    void weightsSetTheShares() {
        int[] table = MaglevTable.build(ids(3), new int[] {1, 2, 5}, 4099);
        int[] c = counts(table, 3);
        assertThat(c[0]).isBetween(4099 / 8 - 2, 4099 / 8 + 2);
        assertThat(c[1]).isBetween(4099 * 2 / 8 - 3, 4099 * 2 / 8 + 3);
        assertThat(c[2]).isBetween(4099 * 5 / 8 - 3, 4099 * 5 / 8 + 3);
    }

    @Test
    void removingOneBackendMovesLittleMoreThanItsOwnSlots() {
        int size = 4099;
        List<String> before = ids(10);
        int[] t1 = MaglevTable.build(before, ones(10), size);
        List<String> after = new ArrayList<>(before);
        String removed = after.remove(4);
        int[] t2 = MaglevTable.build(after, ones(9), size);

        int moved = 0;
        int ownedByRemoved = 0;
        for (int slot = 0; slot < size; slot++) {
            String was = before.get(t1[slot]);
            String now = after.get(t2[slot]);
            if (was.equals(removed)) {
                ownedByRemoved++;
            } else if (!was.equals(now)) {
                moved++;
            }
        }
        assertThat(ownedByRemoved).isBetween(size / 10 - 1, size / 10 + 1);
        // Maglev is near-minimal, not minimal: a few percent of the others' slots move too.
        assertThat(moved).as("slots of surviving backends that moved").isLessThan(size * 5 / 100);
    }

    @Test
    void sameBackendsGiveTheSameTableWhateverTheirOrder() {
        List<String> ids = ids(5);
        int[] a = MaglevTable.build(ids, ones(5), 251);
        List<String> reversed = new ArrayList<>(ids);
        java.util.Collections.reverse(reversed);
        int[] b = MaglevTable.build(reversed, ones(5), 251);
        // Order decides who goes first in a round, so allow a handful of contested slots.
        int differ = 0;
        for (int slot = 0; slot < 251; slot++) {
            if (!ids.get(a[slot]).equals(reversed.get(b[slot]))) {
                differ++;
            }
        }
        assertThat(differ).isLessThan(251 / 10);
        assertThat(MaglevTable.build(ids, ones(5), 251)).isEqualTo(a);
    }

    @Test
    void badArgumentsAreRefused() {
        assertThatThrownBy(() -> MaglevTable.build(List.of(), new int[0], 251)).hasMessageContaining("ids");
        assertThatThrownBy(() -> MaglevTable.build(ids(2), ones(2), 250)).hasMessageContaining("prime");
        assertThatThrownBy(() -> MaglevTable.build(ids(2), new int[] {1, 0}, 251))
                .hasMessageContaining("weights[1] must be at least 1");
        assertThatThrownBy(() -> MaglevTable.build(List.of("a", "a"), ones(2), 251))
                .hasMessageContaining("distinct");
    }
}
