package io.shoal.agent.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.balancer.BalancerKind;
import io.shoal.balancer.NetworkNamespace;
import io.shoal.balancer.ServiceBalancer;
import io.shoal.balancer.spec.Backend;
import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.VirtualService;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The coalescing and ordering rules of {@link BalancerSync}, against a balancer that records what
 * it is asked (the kernel side is covered by the balancer's own suite and the end-to-end tests).
 */
class BalancerSyncTest {
    @Test
    void offersMadeDuringAnApplyCoalesceIntoTheNewestAndNeverRunBackwards() throws Exception {
        Recording b = new Recording();
        try (BalancerSync sync = new BalancerSync("n1", 2)) {
            sync.applyNow("t1", b, state(1));
            b.gate = new CountDownLatch(1); // the next apply blocks until released
            sync.offer("t1", state(2));
            await().atMost(Duration.ofSeconds(5)).until(() -> b.applied.size() == 2);
            sync.offer("t1", state(3));
            sync.offer("t1", state(4));
            sync.offer("t1", state(5));
            b.gate.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> sync.pending() == 0);
            assertThat(b.applied).containsExactly(state(1), state(2), state(5));
        }
    }

    @Test
    void anOfferEqualToWhatIsProgrammedDoesNothing() {
        Recording b = new Recording();
        try (BalancerSync sync = new BalancerSync("n1", 1)) {
            sync.applyNow("t1", b, state(1));
            sync.offer("t1", state(1));
            assertThat(sync.pending()).isZero();
            assertThat(b.applied).containsExactly(state(1));
        }
    }

    @Test
    void aFailedApplyIsRetriedWithTheNextOfferAndAnUnknownTaskIsIgnored() {
        Recording b = new Recording();
        try (BalancerSync sync = new BalancerSync("n1", 1)) {
            sync.applyNow("t1", b, state(1));
            b.failNext = true;
            sync.offer("t1", state(2));
            await().atMost(Duration.ofSeconds(5)).until(() -> sync.pending() == 0);
            sync.offer("t1", state(2));
            await().atMost(Duration.ofSeconds(5)).until(() -> sync.pending() == 0);
            assertThat(b.applied).containsExactly(state(1), state(2));
            sync.offer("unknown", state(3));
            assertThat(sync.pending()).isZero();
        }
    }

    @Test
    void removeClosesTheBalancerAndLaterOffersAreDropped() {
        Recording b = new Recording();
        try (BalancerSync sync = new BalancerSync("n1", 1)) {
            sync.applyNow("t1", b, state(1));
            sync.remove("t1");
            sync.offer("t1", state(2));
            assertThat(b.closed).isTrue();
            assertThat(b.applied).containsExactly(state(1));
        }
    }

    private static DesiredState state(int backends) {
        VirtualService.Builder s =
                VirtualService.builder("web").vip("100.64.1.2").port(80);
        for (int i = 1; i <= backends; i++) {
            s.backend(Backend.of("100.64.1." + (10 + i), 80));
        }
        return DesiredState.of(s.build());
    }

    /** Records applies; can block one apply on a latch or fail one. */
    private static final class Recording implements ServiceBalancer {
        final List<DesiredState> applied = new CopyOnWriteArrayList<>();
        volatile CountDownLatch gate;
        volatile boolean failNext;
        volatile boolean closed;
        private DesiredState current = DesiredState.empty();

        @Override
        public BalancerKind kind() {
            return BalancerKind.NFTABLES;
        }

        @Override
        public NetworkNamespace namespace() {
            return NetworkNamespace.current();
        }

        @Override
        public void apply(DesiredState desired) {
            if (failNext) {
                failNext = false;
                throw new IllegalStateException("refused");
            }
            applied.add(desired);
            CountDownLatch g = gate;
            if (g != null) {
                try {
                    g.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                gate = null;
            }
            current = desired;
        }

        @Override
        public DesiredState current() {
            return current;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
