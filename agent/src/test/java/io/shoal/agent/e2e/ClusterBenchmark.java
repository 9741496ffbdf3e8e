package io.shoal.agent.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.model.NetworkSpec;
import io.shoal.model.TaskState;
import io.shoal.model.TaskStatus;
import io.shoal.testbed.Requirements;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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
        for (int r = 0; r < RUNS; r++) {
            String name = "bench" + r;
            int port = 8100 + r;
            Instant t0 = Instant.now();
            cluster.api().createService(Services.published(Services.httpd(name, 3), port, 80));
            Instant created = Instant.now();
            Instant[] answered = new Instant[cluster.size() + 1];
            int left = cluster.size();
            while (left > 0) {
                for (int i = 1; i <= cluster.size(); i++) {
                    if (answered[i] == null && cluster.curl(i, port).ok()) {
                        answered[i] = Instant.now();
                        left--;
                    }
                }
                assertThat(Duration.between(t0, Instant.now()))
                        .as("run %d still not answering", r)
                        .isLessThan(Duration.ofMinutes(2));
            }
            Instant all = Arrays.stream(answered)
                    .filter(a -> a != null)
                    .max(Instant::compareTo)
                    .orElseThrow();
            // Where the time went, from the timestamps the leader (assignment) and agents (RUNNING) wrote.
            List<TaskView> tasks = cluster.api().tasks(name);
            Instant assigned = tasks.stream()
                    .map(t -> t.task().status().timestamp())
                    .max(Instant::compareTo)
                    .orElseThrow();
            Instant running = tasks.stream()
                    .map(t -> t.reported().map(TaskStatus::timestamp).orElse(t0))
                    .max(Instant::compareTo)
                    .orElseThrow();
            total[r] = Duration.between(t0, all).toMillis();
            line(String.format(
                    Locale.ROOT,
                    "run %d: api %d ms, all assigned %d ms, all RUNNING (wired) %d ms, every node answers %d ms",
                    r + 1,
                    Duration.between(t0, created).toMillis(),
                    Duration.between(t0, assigned).toMillis(),
                    Duration.between(t0, running).toMillis(),
                    total[r]));
            cluster.api().removeService(name);
            await().atMost(Duration.ofMinutes(1))
                    .until(() -> cluster.containers().isEmpty());
        }
        long[] sorted = total.clone();
        Arrays.sort(sorted);
        line(String.format(
                Locale.ROOT,
                "create → every node answers: p50 %d ms over %d runs (min %d, max %d)",
                sorted[RUNS / 2],
                RUNS,
                sorted[0],
                sorted[RUNS - 1]));
    }

    /**
     * Each agent's resident memory with SERVICES (100) services × 3 tasks in its tables (a third of the
     * tasks wired on each node: veths, VIP rules for every service, a DNS binding each).
     */
    @Test
    @Order(2)
    void agentMemoryWithAHundredServicesOfThreeTasks() throws IOException {
        line(String.format(Locale.ROOT, "before: shoald RSS %s", rss()));
        // 100 VIPs + 300 tasks do not fit the default /24.
        cluster.api().createNetwork(NetworkSpec.overlay("benchnet", "100.66.0.0/22"));
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
        await().pollDelay(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(30)).until(() -> true);
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

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    private static void line(String s) {
        System.out.println("[benchmark] " + s);
        report.add(s);
    }
}
