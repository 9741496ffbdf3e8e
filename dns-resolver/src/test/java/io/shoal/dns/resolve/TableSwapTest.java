package io.shoal.dns.resolve;

import static io.shoal.dns.testing.Fixtures.FRONT;
import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.dns.testing.Dns;
import io.shoal.dns.testing.Fixtures;
import io.shoal.model.EndpointMode;
import io.shoal.model.table.ServiceEntry;
import io.shoal.model.table.ServiceTable;
import io.shoal.model.table.TaskEndpoint;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/** Queries racing table swaps see the old table or the new one, never a mix of both. */
class TableSwapTest {
    private static ServiceTable version(long v, int firstHost) {
        List<TaskEndpoint> tasks = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            tasks.add(Fixtures.task("t" + v + "-" + i, i + 1, FRONT, "100.64.3." + (firstHost + i), true));
        }
        ServiceEntry svc = new ServiceEntry("s1", "svc", EndpointMode.DNSRR, Map.of(), Map.of(), List.of(), tasks);
        return new ServiceTable(v, Fixtures.networks(), List.of(svc));
    }

    private static Set<String> hosts(int first) {
        Set<String> s = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            s.add("100.64.3." + (first + i));
        }
        return s;
    }

    @Test
    void answersComeWhollyFromOneTable() throws Exception {
        ServiceTable a = version(1, 1);
        ServiceTable b = version(2, 101);
        ResponderHarness dns = new ResponderHarness(a);
        Set<String> fromA = hosts(1);
        Set<String> fromB = hosts(101);
        AtomicBoolean stop = new AtomicBoolean();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Set<Set<String>> seen = ConcurrentHashMap.newKeySet();
        Thread swapper = new Thread(() -> {
            for (long i = 0; !stop.get(); i++) {
                dns.resolver.update(i % 2 == 0 ? b : a);
            }
        });
        swapper.start();
        try {
            for (int i = 0; i < 5_000; i++) {
                Set<String> answer =
                        new HashSet<>(Dns.addresses(dns.send(Dns.query("svc", Type.A), DnsScope.of(FRONT), true)
                                .message()));
                assertThat(answer).isIn(fromA, fromB);
                seen.add(answer);
            }
        } catch (Throwable t) {
            failures.add(t);
        } finally {
            stop.set(true);
            swapper.join(10_000);
        }
        // Both tables were really served while swapping, so the race did happen.
        assertThat(seen).containsExactlyInAnyOrder(fromA, fromB);
        assertThat(failures).isEmpty();
    }
}
