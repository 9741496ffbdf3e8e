package io.shoal.controlplane.sim;

import static org.awaitility.Awaitility.await;

import io.shoal.controlplane.store.Kind;
import io.shoal.model.Network;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.NetworkSpec;
import io.shoal.model.ServiceSpec;
import io.shoal.model.Task;
import io.shoal.model.TaskState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 7's convergence figure: {@code POST /services} of 1,000 replicas on 100 simulated agents
 * (each its own ZooKeeper session, member record and watch on its assignment list, reporting ACCEPTED →
 * RUNNING like the real worker); a fresh cluster per round. Per round: time from the API call until
 * ZooKeeper holds all 1,000 tasks (each is created ASSIGNED), until the leader's view holds them all, until the last agent saw its assignment (p50, p99 and
 * max over the tasks, from the agents' own watches), and until all were reported RUNNING; the
 * orchestrator's ZooKeeper transactions and znode writes per task; every ZooKeeper transaction of
 * the cluster (zxids: the agents' status reports included). Medians over the rounds at the end.
 *
 * <pre>
 * mvn -B -o -pl controlplane -am -Dshoal.test.excludedGroups= -Dtest=ConvergenceBenchmark \
 *     -Dsurefire.failIfNoSpecifiedTests=false [-Dshoal.bench.rounds=5] [-Dshoal.bench.watch=NONE|ASSIGNMENTS|ASSIGNMENTS_AND_ALL_TASKS] verify
 * </pre>
 */
@Tag("benchmark")
class ConvergenceBenchmark {
    private static final Logger log = LoggerFactory.getLogger(ConvergenceBenchmark.class);
    private static final int AGENTS = 100;
    private static final int REPLICAS = 1000;
    /**
     * -Dshoal.bench.watch=NONE: agents keep member records only (no watches, no reports);
     * ASSIGNMENTS (default): each its assignment list; ASSIGNMENTS_AND_ALL_TASKS: also every task.
     */
    private static final SimAgent.Watch WATCH =
            SimAgent.Watch.valueOf(System.getProperty("shoal.bench.watch", "ASSIGNMENTS"));

    record Round(
            long apiMs,
            long inZooKeeperMs,
            long allAssignedMs,
            long seenP50Ms,
            long seenP99Ms,
            long seenMaxMs,
            long allRunningMs,
            long transactions,
            long writes,
            long clusterTxns) {}

    @Test
    void serviceCreateOfAThousandReplicasOnAHundredAgents() throws Exception {
        int rounds = Integer.getInteger("shoal.bench.rounds", 5);
        List<Round> results = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            Round r = round();
            results.add(r);
            log.info("round {}: {}", i + 1, r);
        }
        log.info("agents watch: {}; load average at the end: {}", WATCH, loadAverage());
        log.info(
                "median of {} rounds: API call {} ms; all ASSIGNED in ZooKeeper {} ms, in the leader's view {} ms;"
                        + " agent saw its"
                        + " assignment p50 {} ms, p99 {} ms, last {} ms; all RUNNING {} ms; per task: {}"
                        + " orchestrator transactions, {} znode writes, {} ZooKeeper transactions in the cluster",
                rounds,
                median(results, Round::apiMs),
                median(results, Round::inZooKeeperMs),
                median(results, Round::allAssignedMs),
                median(results, Round::seenP50Ms),
                median(results, Round::seenP99Ms),
                median(results, Round::seenMaxMs),
                median(results, Round::allRunningMs),
                String.format("%.3f", median(results, Round::transactions) / (double) REPLICAS),
                String.format("%.3f", median(results, Round::writes) / (double) REPLICAS),
                String.format("%.2f", median(results, Round::clusterTxns) / (double) REPLICAS));
    }

    private static Round round() throws Exception {
        try (SimCluster cluster = SimCluster.start(AGENTS, Duration.ofSeconds(5), Duration.ofSeconds(30), 8, WATCH)) {
            cluster.call("POST", "/networks", Map.of(), NetworkSpec.overlay("big", "100.64.32.0/20"));
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.view().list(Kind.NETWORKS).stream()
                    .anyMatch(n -> n.spec().name().equals("big") && n.allocated()));
            String netId = cluster.view().list(Kind.NETWORKS).stream()
                    .filter(n -> n.spec().name().equals("big"))
                    .map(Network::id)
                    .findFirst()
                    .orElseThrow();
            Set<String> assigned = ConcurrentHashMap.newKeySet();
            Set<String> running = ConcurrentHashMap.newKeySet();
            AtomicLong allAssignedAt = new AtomicLong();
            AtomicLong allRunningAt = new AtomicLong();
            var tasksSub = cluster.view().listen(Kind.TASKS, e -> {
                Task t = e.after() == null ? null : e.after().value();
                if (t != null
                        && t.status().state() == TaskState.ASSIGNED
                        && assigned.add(t.id())
                        && assigned.size() == REPLICAS) {
                    allAssignedAt.set(System.nanoTime());
                }
            });
            var statusSub = cluster.view().listen(Kind.STATUS, e -> {
                if (e.after() != null
                        && e.after().value().state() == TaskState.RUNNING
                        && running.add(e.id())
                        && running.size() == REPLICAS) {
                    allRunningAt.set(System.nanoTime());
                }
            });
            long txBefore = cluster.manager().metrics().value("shoal_controlplane_orchestrator_transactions_total");
            long writesBefore = cluster.manager().metrics().value("shoal_controlplane_orchestrator_writes_total");
            long zxidBefore = zxid(cluster.managerClient());

            ServiceSpec spec = ServiceSpec.replicated("web", "img:1", REPLICAS);
            spec = spec.withTask(spec.task().withNetworks(List.of(NetworkAttachmentConfig.of(netId))));
            String tasksFolder = cluster.view().layout().folder(Kind.TASKS);
            CuratorFramework zk = cluster.managerClient();
            long t0 = System.nanoTime();
            cluster.createService(spec);
            long apiNs = System.nanoTime() - t0;
            // The orchestrator creates each task ASSIGNED (one write): all are when all exist.
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> zk.getChildren().forPath(tasksFolder).size() >= REPLICAS);
            long inZooKeeperNs = System.nanoTime() - t0;
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> (WATCH == SimAgent.Watch.NONE || allRunningAt.get() != 0) && allAssignedAt.get() != 0);
            Stat one = zk.checkExists()
                    .forPath(tasksFolder + "/" + assigned.iterator().next());
            log.info("a task znode holds {} bytes", one.getDataLength());
            long zxidAfter = zxid(cluster.managerClient());
            tasksSub.close();
            statusSub.close();

            List<Long> seen = new ArrayList<>();
            for (String id : assigned) {
                Long at = cluster.seen().get(id);
                if (at == null && WATCH != SimAgent.Watch.NONE) {
                    throw new AssertionError("no agent saw task " + id);
                }
                seen.add(at == null ? 0 : (at - t0) / 1_000_000);
            }
            seen.sort(null);
            return new Round(
                    apiNs / 1_000_000,
                    inZooKeeperNs / 1_000_000,
                    (allAssignedAt.get() - t0) / 1_000_000,
                    seen.get(seen.size() / 2),
                    seen.get(seen.size() * 99 / 100),
                    seen.get(seen.size() - 1),
                    WATCH != SimAgent.Watch.NONE ? (allRunningAt.get() - t0) / 1_000_000 : 0,
                    cluster.manager().metrics().value("shoal_controlplane_orchestrator_transactions_total") - txBefore,
                    cluster.manager().metrics().value("shoal_controlplane_orchestrator_writes_total") - writesBefore,
                    // minus the two marker znodes themselves
                    zxidAfter - zxidBefore - 1);
        }
    }

    /** The cluster's latest zxid: that of a marker znode made now (each write transaction takes one). */
    private static long zxid(CuratorFramework client) throws Exception {
        Stat stat = new Stat();
        client.create()
                .storingStatIn(stat)
                .withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                .forPath("/bench-marker-");
        return stat.getCzxid();
    }

    private static long median(List<Round> rounds, ToLongFunction<Round> f) {
        long[] v = rounds.stream().mapToLong(f).sorted().toArray();
        return v[v.length / 2];
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"))
                    .trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
