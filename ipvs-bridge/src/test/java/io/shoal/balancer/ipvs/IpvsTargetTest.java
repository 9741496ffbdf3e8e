package io.shoal.balancer.ipvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.balancer.spec.Algorithm;
import io.shoal.balancer.spec.Backend;
import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.Protocol;
import io.shoal.balancer.spec.ServiceDiff;
import io.shoal.balancer.spec.ServiceKey;
import io.shoal.balancer.spec.VirtualService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The incremental plan ({@link IpvsTarget}: only the changed services mapped and planned) is the
 * plan {@link IpvsPlanner#plan} computes from the whole table, over many random seeded changes:
 * services added and removed (port and all-ports, TCP and UDP, VIPs shared between services),
 * backends added, removed, reweighted, drained and coming back while they drain, algorithms
 * changed, equal copies of unchanged services, rounds with no change in which only drain deadlines
 * pass, and changes the kernel "refused" (not committed).
 */
class IpvsTargetTest {
    private static final IpvsConfig KERNEL = new IpvsConfig(900, 120, 300);
    private static final IpvsConfig WANTED = new IpvsConfig(86_400, 0, 120);
    private static final Duration DRAIN = Duration.ofSeconds(30);
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final Algorithm[] ALGORITHMS = Algorithm.values();

    @Test
    void withFwmarkServicesEveryIncrementalPlanEqualsThePlanFromScratch() {
        check(new Random(0x5348_6f61L), true, 800);
    }

    @Test
    void withPortZeroServicesEveryIncrementalPlanEqualsThePlanFromScratch() {
        check(new Random(4), false, 800);
    }

    @Test
    void aChangeComputedFromAnotherStateIsRefused() {
        VirtualService web = service("web", 1, Protocol.TCP, 80, Algorithm.ROUND_ROBIN, 1, 2);
        IpvsTarget target = IpvsTarget.of(DesiredState.of(web), null);
        DesiredState one = DesiredState.of(web, service("db", 2, Protocol.TCP, 5432, Algorithm.ROUND_ROBIN, 3));
        IpvsTarget.Change first = target.change(one, ServiceDiff.between(target.state(), one));
        IpvsTarget.Change second = target.change(one, ServiceDiff.between(target.state(), one));
        target.commit(first);

        assertThatThrownBy(() -> target.commit(second))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("another state");
        assertThat(target.table()).isEqualTo(IpvsMapping.table(one));
    }

    private static void check(Random random, boolean withMarks, int rounds) {
        Sim sim = new Sim(random);
        for (int i = 0; i < 40; i++) {
            sim.addService();
        }
        DesiredState state = sim.state();
        IpvsTableEditor kernel = new IpvsTableEditor(IpvsTable.empty(), KERNEL);
        Map<IpvsMarks.Target, Integer> firstMarks =
                withMarks ? IpvsMarks.assign(IpvsMarks.targets(state.services()), Map.of()) : null;
        IpvsTarget target = IpvsTarget.of(state, firstMarks);
        IpvsPlanner.Plan first =
                IpvsPlanner.plan(IpvsTable.empty(), KERNEL, target.table(), WANTED, Map.of(), START, DRAIN);
        IpvsTransaction.run(first.changes(), kernel, "first");
        Map<IpvsPlanner.Leaving, Instant> leaving = first.leaving();
        Instant now = START;

        Set<Class<?>> kinds = new HashSet<>();
        int applied = 0;
        int refused = 0;
        int sawLeaving = 0;
        for (int round = 0; round < rounds; round++) {
            now = now.plusSeconds(random.nextInt(15));
            int mutations = random.nextInt(8) == 0 ? 0 : 1 + random.nextInt(3);
            for (int m = 0; m < mutations; m++) {
                sim.mutate();
            }
            DesiredState next = mutations == 0 ? state : sim.state();
            ServiceDiff diff = ServiceDiff.between(target.state(), next);

            Map<IpvsMarks.Target, Integer> fullMarks =
                    withMarks ? IpvsMarks.assign(IpvsMarks.targets(next.services()), target.marks()) : null;
            IpvsTable fullTarget = IpvsMapping.table(next, fullMarks);
            IpvsPlanner.Plan full =
                    IpvsPlanner.plan(kernel.table(), kernel.config(), fullTarget, WANTED, leaving, now, DRAIN);

            IpvsTarget.Change change = target.change(next, diff);
            IpvsPlanner.Plan incremental =
                    target.plan(change, kernel.entries(), kernel.config(), WANTED, leaving, now, DRAIN);

            String where = "round " + round + " (" + diff + ")";
            assertThat(incremental.changes()).as(where).isEqualTo(full.changes());
            assertThat(incremental.leaving()).as(where).isEqualTo(full.leaving());
            assertThat(change.marks()).as(where).isEqualTo(fullMarks);

            if (random.nextInt(10) == 0) {
                // The kernel refused it: nothing is committed, the next round starts from the same state.
                refused++;
                sim.reset(target.state());
                continue;
            }
            IpvsTransaction.run(incremental.changes(), kernel, where);
            target.commit(change);
            state = next;
            leaving = incremental.leaving();
            applied++;
            sawLeaving += leaving.isEmpty() ? 0 : 1;
            incremental.changes().forEach(c -> kinds.add(c.getClass()));
            assertThat(target.table()).as(where).isEqualTo(fullTarget);
            assertThat(target.marks()).as(where).isEqualTo(fullMarks);
            // The kernel's table is the target plus the leaving destinations at weight 0.
            assertThat(withoutLeaving(kernel.table(), leaving)).as(where).isEqualTo(fullTarget);
        }
        assertThat(applied).isGreaterThan(rounds / 2);
        assertThat(refused).isPositive();
        assertThat(sawLeaving).isGreaterThan(rounds / 10);
        assertThat(kinds)
                .contains(
                        IpvsChange.AddService.class,
                        IpvsChange.DeleteService.class,
                        IpvsChange.EditService.class,
                        IpvsChange.AddDest.class,
                        IpvsChange.EditDest.class,
                        IpvsChange.DeleteDest.class);
    }

    private static IpvsTable withoutLeaving(IpvsTable table, Map<IpvsPlanner.Leaving, Instant> leaving) {
        List<IpvsTable.Entry> out = new ArrayList<>();
        for (IpvsTable.Entry e : table.entries().values()) {
            IpvsTable.Entry kept = e;
            for (IpvsDestination d : e.destinations().values()) {
                if (leaving.containsKey(new IpvsPlanner.Leaving(e.service().key(), d.key()))) {
                    assertThat(d.weight()).as("leaving " + d).isZero();
                    kept = kept.without(d.key());
                }
            }
            out.add(kept);
        }
        return IpvsTable.of(out);
    }

    private static VirtualService service(
            String name, int vip, Protocol protocol, int port, Algorithm algorithm, int... hosts) {
        VirtualService.Builder b = VirtualService.builder(name)
                .vip("100.64.0." + vip)
                .protocol(protocol)
                .algorithm(algorithm);
        if (port == 0) {
            b.allPorts();
        } else {
            b.port(port);
        }
        if (algorithm == Algorithm.SOURCE_AFFINITY) {
            b.sourceAffinity(Duration.ofSeconds(600));
        }
        for (int h : hosts) {
            b.backend(Backend.of("198.18.1." + h, port == 0 ? 0 : 8080));
        }
        return b.build();
    }

    /** A random desired state and its changes. */
    private static final class Sim {
        private final Random random;
        private final TreeMap<ServiceKey, VirtualService> services = new TreeMap<>();
        private int names;

        Sim(Random random) {
            this.random = random;
        }

        DesiredState state() {
            return DesiredState.of(services.values());
        }

        void reset(DesiredState to) {
            services.clear();
            services.putAll(to.byKey());
        }

        void addService() {
            for (int attempt = 0; attempt < 20; attempt++) {
                int vip = 1 + random.nextInt(30); // VIPs are shared between services
                Protocol protocol = random.nextBoolean() ? Protocol.TCP : Protocol.UDP;
                int port = random.nextInt(4) == 0 ? 0 : 80 + random.nextInt(3);
                ServiceKey key = new ServiceKey(
                        io.shoal.balancer.spec.IpLiterals.parse("100.64.0." + vip, "vip"), protocol, port);
                if (services.containsKey(key)) {
                    continue;
                }
                int[] hosts = randomHosts();
                VirtualService s = service(
                        "s" + names++, vip, protocol, port, ALGORITHMS[random.nextInt(ALGORITHMS.length)], hosts);
                services.put(s.key(), s);
                return;
            }
        }

        private int[] randomHosts() {
            List<Integer> all = new ArrayList<>();
            for (int h = 1; h <= 12; h++) {
                all.add(h);
            }
            java.util.Collections.shuffle(all, random);
            int n = random.nextInt(6); // 0..5 backends
            int[] out = new int[n];
            for (int i = 0; i < n; i++) {
                out[i] = all.get(i);
            }
            return out;
        }

        void mutate() {
            if (services.isEmpty()) {
                addService();
                return;
            }
            List<VirtualService> list = new ArrayList<>(services.values());
            VirtualService s = list.get(random.nextInt(list.size()));
            List<Backend> backends = new ArrayList<>(s.backends());
            int port = s.allPorts() ? 0 : 8080;
            switch (random.nextInt(10)) {
                case 0 -> addService();
                case 1 -> services.remove(s.key());
                case 2 -> { // a backend added, or one that was removed coming back while it drains
                    int h = 1 + random.nextInt(12);
                    Backend b = Backend.of("198.18.1." + h, port);
                    if (backends.stream().noneMatch(x -> x.endpoint().equals(b.endpoint()))) {
                        backends.add(b);
                    }
                }
                case 3 -> {
                    if (!backends.isEmpty()) {
                        backends.remove(random.nextInt(backends.size()));
                    }
                }
                case 4 -> {
                    if (!backends.isEmpty()) {
                        int i = random.nextInt(backends.size());
                        backends.set(i, backends.get(i).withWeight(random.nextInt(4)));
                    }
                }
                case 5 -> {
                    if (!backends.isEmpty()) {
                        int i = random.nextInt(backends.size());
                        backends.set(i, backends.get(i).asDraining());
                    }
                }
                case 6 -> { // another algorithm, same key and backends
                    VirtualService.Builder b = VirtualService.builder(s.name())
                            .vip(s.vip())
                            .protocol(s.protocol())
                            .backends(backends);
                    Algorithm a = ALGORITHMS[random.nextInt(ALGORITHMS.length)];
                    if (a == Algorithm.SOURCE_AFFINITY) {
                        b.sourceAffinity(Duration.ofSeconds(60 + random.nextInt(3) * 60));
                    } else {
                        b.algorithm(a);
                    }
                    if (s.allPorts()) {
                        b.allPorts();
                    } else {
                        b.port(s.port());
                    }
                    services.put(s.key(), b.build());
                    return;
                }
                case 7 -> { // an equal copy (not the same object): nothing to do
                    services.put(s.key(), s.toBuilder().build());
                    return;
                }
                case 8 -> { // the backends in another order: equal for IPVS
                    java.util.Collections.shuffle(backends, random);
                }
                default -> { // replace one backend
                    if (!backends.isEmpty()) {
                        int i = random.nextInt(backends.size());
                        int h = 1 + random.nextInt(12);
                        Backend b = Backend.of("198.18.1." + h, port);
                        if (backends.stream().noneMatch(x -> x.endpoint().equals(b.endpoint()))) {
                            backends.set(i, b);
                        }
                    }
                }
            }
            if (services.containsKey(s.key()) && services.get(s.key()) == s) {
                services.put(s.key(), s.toBuilder().backends(backends).build());
            }
        }
    }
}
