package io.shoal.agent.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.model.NetworkSpec;
import io.shoal.model.TaskState;
import io.shoal.testbed.Requirements;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 8's performance figures on a 3-host namespace cluster with the real Docker engine. Not a
 * test: tagged {@code benchmark}, excluded from CI, it prints figures and asserts only that the work
 * was done. Run it with
 *
 * <pre>
 * mvn -B -pl agent -am verify -Dshoal.test.excludedGroups= -Dtest=ClusterBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * <p>Figures go to stdout and to {@code target/e2e/<prefix>/benchmark.txt}.
 */
@Tag("benchmark")
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterBenchmark {
    private static final int RUNS = Integer.getInteger("shoal.bench.runs", 5);
    private static final int SERVICES = Integer.getInteger("shoal.bench.services", 100);

    private static ShoalCluster cluster;
    private static final List<String> report = new ArrayList<>();

    @RegisterExtension
    static final LogsOnFailure logs = new LogsOnFailure(() -> cluster);

    @BeforeAll
    static void up() {
        Requirements.requireRoot();
        Requirements.requireDocker();
        cluster = ShoalCluster.builder()
                .hosts(3)
                .waitTimeout(Duration.ofMinutes(10))
                .start();
    }

    @AfterAll
    static void down() throws IOException {
        if (cluster != null) {
            Files.write(cluster.workDir().resolve("benchmark.txt"), report);
            cluster.close();
        }
    }

    /**
     * From {@code service create} (3 replicas, image present, published port) to every node's mesh
     * answering, with where the time goes: API write, all tasks assigned, all RUNNING (as the agents
     * report), every node answering.
     */
    @Test
    @Order(1)
    void createToAnsweringOnEveryNode() {
        long[] total = new long[RUNS];
        long[][] phases = new long[RUNS][];
        for (int r = 0; r < RUNS; r++) {
            String name = "bench" + r;
            int port = 8100 + r;
            long t0 = System.nanoTime();
            cluster.api().createService(Services.published(Services.httpd(name, 3), port, 80));
            long created = System.nanoTime();
            long assigned = 0;
            long running = 0;
            boolean[] answered = new boolean[cluster.size() + 1];
            long answeredAll = 0;
            while (answeredAll == 0) {
                List<TaskView> tasks = cluster.api().tasks(name);
                long now = System.nanoTime();
                if (assigned == 0
                        && tasks.size() == 3
                        && tasks.stream().allMatch(t -> !t.nodeId().isEmpty())) {
                    assigned = now;
                }
                if (running == 0 && tasks.size() == 3 && tasks.stream().allMatch(t -> t.state() == TaskState.RUNNING)) {
                    running = now;
                }
                boolean all = true;
                for (int i = 1; i <= cluster.size(); i++) {
                    if (!answered[i]) {
                        answered[i] = cluster.curl(i, port).ok();
                    }
                    all &= answered[i];
                }
                if (all) {
                    answeredAll = System.nanoTime();
                }
                assertThat(Duration.ofNanos(System.nanoTime() - t0))
                        .as("run %d still not answering", r)
                        .isLessThan(Duration.ofMinutes(2));
            }
            total[r] = answeredAll - t0;
            phases[r] = new long[] {created - t0, max(assigned, created) - t0, max(running, assigned) - t0, total[r]};
            line(String.format(
                    Locale.ROOT,
                    "run %d: api %d ms, assigned %d ms, running %d ms, every node answers %d ms",
                    r + 1,
                    ms(phases[r][0]),
                    ms(phases[r][1]),
                    ms(phases[r][2]),
                    ms(phases[r][3])));
            cluster.api().removeService(name);
            await().atMost(Duration.ofMinutes(1))
                    .until(() -> cluster.containers().isEmpty());
        }
        long[] sorted = total.clone();
        Arrays.sort(sorted);
        line(String.format(
                Locale.ROOT,
                "create → every node answers: p50 %d ms over %d runs (min %d, max %d)",
                ms(sorted[RUNS / 2]),
                RUNS,
                ms(sorted[0]),
                ms(sorted[RUNS - 1])));
    }

    /**
     * Each agent's resident memory with SERVICES (100) services × 3 tasks in its tables (a third of the
     * tasks wired on each node: veths, VIP rules for every service, a DNS binding each).
     */
    @Test
    @Order(2)
    void agentMemoryWithAHundredServicesOfThreeTasks() throws IOException {
        line(String.format(Locale.ROOT, "before: shoald RSS %s", rss()));
        cluster.api().createNetwork(NetworkSpec.overlay("benchnet"));
        long t0 = System.nanoTime();
        for (int s = 0; s < SERVICES; s++) {
            cluster.api().createService(Services.on(Services.httpd("m" + s, 3), "benchnet"));
        }
        await().atMost(Duration.ofMinutes(20))
                .pollInterval(Duration.ofSeconds(2))
                .until(() -> cluster.api().tasks().stream()
                                .filter(t -> t.state() == TaskState.RUNNING)
                                .count()
                        >= SERVICES * 3L);
        line(String.format(
                Locale.ROOT, "%d services × 3 tasks RUNNING after %d s", SERVICES, ms(System.nanoTime() - t0) / 1000));
        // Let every node's tables and VIP rules settle, then read RSS after a full GC in each agent
        // would be ideal; the agents run with -Xmx256m and serial GC, so RSS is bounded by that heap.
        await().pollDelay(Duration.ofSeconds(10)).until(() -> true);
        line(String.format(Locale.ROOT, "with %d services × 3 tasks: shoald RSS %s", SERVICES, rss()));
    }

    private static String rss() throws IOException {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= cluster.size(); i++) {
            long pid = cluster.agentProcess(i).pid();
            for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (l.startsWith("VmRSS:")) {
                    out.add("h" + i + " " + l.replaceAll("[^0-9]", "") + " kB");
                }
            }
        }
        return String.join(", ", out);
    }

    private static long max(long a, long b) {
        return Math.max(a, b);
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    private static void line(String s) {
        System.out.println("[benchmark] " + s);
        report.add(s);
    }
}
