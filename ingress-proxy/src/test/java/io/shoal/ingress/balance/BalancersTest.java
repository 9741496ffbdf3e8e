package io.shoal.ingress.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BalancersTest {
    private static final InetAddress CLIENT = InetAddress.getLoopbackAddress();

    private static List<Backend> backends(int n) {
        List<Backend> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Backend(new InetSocketAddress("100.64.0." + (i + 2), 80), "t" + i));
        }
        return out;
    }

    @Test
    void roundRobinCyclesAndSkipsExcludedBackends() {
        List<Backend> b = backends(3);
        Balancer rr = BalanceMode.ROUND_ROBIN.build(b, new AtomicLong());
        List<Backend> picks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            picks.add(rr.pick(CLIENT, Set.of()));
        }
        assertThat(picks).containsExactly(b.get(0), b.get(1), b.get(2), b.get(0), b.get(1), b.get(2));
        for (int i = 0; i < 4; i++) {
            assertThat(rr.pick(CLIENT, Set.of(b.get(1)))).isNotEqualTo(b.get(1));
        }
        assertThat(rr.pick(CLIENT, Set.copyOf(b))).isNull();
    }

    @Test
    void leastConnectionsPicksTheBackendWithFewestOpenConnections() {
        List<Backend> b = backends(3);
        b.get(0).acquire();
        b.get(0).acquire();
        b.get(2).acquire();
        Balancer lc = BalanceMode.LEAST_CONNECTIONS.build(b, new AtomicLong());
        for (int i = 0; i < 5; i++) {
            assertThat(lc.pick(CLIENT, Set.of())).isEqualTo(b.get(1));
        }
        assertThat(lc.pick(CLIENT, Set.of(b.get(1)))).isEqualTo(b.get(2));
    }

    @Test
    void maglevMapsEachClientToOneBackendAndSpreadsClients() throws Exception {
        List<Backend> b = backends(4);
        Balancer mg = BalanceMode.MAGLEV.build(b, new AtomicLong());
        Map<Backend, Integer> load = new HashMap<>();
        for (int i = 0; i < 4000; i++) {
            InetAddress client = InetAddress.getByAddress(new byte[] {(byte) 198, 18, (byte) (i >> 8), (byte) i});
            Backend first = mg.pick(client, Set.of());
            assertThat(mg.pick(client, Set.of())).isSameAs(first);
            load.merge(first, 1, Integer::sum);
            Backend other = mg.pick(client, Set.of(first));
            assertThat(other).isNotNull().isNotSameAs(first);
        }
        assertThat(load).hasSize(4);
        assertThat(load.values()).allSatisfy(n -> assertThat(n).isBetween(800, 1200));
    }

    @Test
    void removedBackendDrainsThenItsChannelsCloseAtTheTimeout() {
        DefaultEventExecutorGroup scheduler = new DefaultEventExecutorGroup(1);
        try {
            BackendPool pool = new BackendPool("test", scheduler);
            InetSocketAddress a = new InetSocketAddress("100.64.0.2", 80);
            InetSocketAddress c = new InetSocketAddress("100.64.0.3", 80);
            pool.update(
                    List.of(new BackendPool.Target(a, "ta"), new BackendPool.Target(c, "tc")),
                    BalanceMode.ROUND_ROBIN,
                    Duration.ofMillis(300));
            Backend ba = pool.active().get(0);
            ba.acquire();
            EmbeddedChannel open = new EmbeddedChannel();
            ba.track(open);

            pool.update(List.of(new BackendPool.Target(c, "tc")), BalanceMode.ROUND_ROBIN, Duration.ofMillis(300));

            assertThat(pool.draining()).containsExactly(ba);
            assertThat(open.isOpen())
                    .as("an established connection survives the update")
                    .isTrue();
            for (int i = 0; i < 4; i++) {
                Backend picked = pool.acquire(CLIENT, Set.of());
                assertThat(picked.address()).isEqualTo(c);
                picked.release();
            }
            // The drain timer closes the channel on its own thread; the count is given back by the
            // close listener just after.
            await().atMost(5, TimeUnit.SECONDS).until(() -> !open.isOpen() && ba.activeConnections() == 0);
            assertThat(pool.draining()).isEmpty();
        } finally {
            scheduler.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void backendThatReturnsBeforeItsDrainEndsIsKept() {
        DefaultEventExecutorGroup scheduler = new DefaultEventExecutorGroup(1);
        try {
            BackendPool pool = new BackendPool("test", scheduler);
            BackendPool.Target a = new BackendPool.Target(new InetSocketAddress("100.64.0.2", 80), "ta");
            pool.update(List.of(a), BalanceMode.ROUND_ROBIN, Duration.ofMillis(200));
            Backend ba = pool.active().get(0);
            EmbeddedChannel open = new EmbeddedChannel();
            ba.acquire();
            ba.track(open);
            pool.update(List.of(), BalanceMode.ROUND_ROBIN, Duration.ofMillis(200));
            assertThat(pool.acquire(CLIENT, Set.of())).isNull();
            pool.update(List.of(a), BalanceMode.ROUND_ROBIN, Duration.ofMillis(200));
            assertThat(pool.active()).containsExactly(ba);
            assertThat(ba.isDraining()).isFalse();
            await().pollDelay(400, TimeUnit.MILLISECONDS)
                    .atMost(2, TimeUnit.SECONDS)
                    .until(() -> true);
            assertThat(open.isOpen()).as("the cancelled drain did not close it").isTrue();
            open.close();
        } finally {
            scheduler.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
