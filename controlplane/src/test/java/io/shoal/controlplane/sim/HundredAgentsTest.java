package io.shoal.controlplane.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.controlplane.api.Response;
import io.shoal.controlplane.store.Kind;
import io.shoal.model.Cidr;
import io.shoal.model.FailureAction;
import io.shoal.model.Network;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.NetworkSpec;
import io.shoal.model.NodeState;
import io.shoal.model.Service;
import io.shoal.model.ServiceSpec;
import io.shoal.model.Task;
import io.shoal.model.TaskState;
import io.shoal.model.TaskStatus;
import io.shoal.model.UpdateConfig;
import io.shoal.model.UpdateOrder;
import io.shoal.model.UpdateState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.IntSummaryStatistics;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hundred simulated agents, each with its own ZooKeeper session and member record, watching their
 * assignments and reporting through the real status path, run a service of a thousand replicas
 * created through the manager's API: create, scale up and down, a rolling update, and the loss of
 * ten nodes all converge, with every step checked (counts, slots, unique addresses, spread, nothing
 * lost or restarted). No containers; the ZooKeeper is real.
 */
@Tag("integration")
class HundredAgentsTest {
    private static final Logger log = LoggerFactory.getLogger(HundredAgentsTest.class);
    private static final int AGENTS = 100;
    private static final Duration GRACE = Duration.ofSeconds(2);
    /**
     * The agents' session timeout: long, so that a machine stalled by other work does not expire
     * live agents (that is a node loss, and the tasks move); a crash ends its session at once.
     */
    private static final Duration SESSION = Duration.ofSeconds(30);

    /** A bound for one step: far above the 5–40 s they take, for a machine loaded by other work. */
    private static final Duration STEP = Duration.ofSeconds(180);

    @Test
    void aThousandTasksOnAHundredAgentsConvergeThroughCreateScaleUpdateAndNodeLoss() throws Exception {
        long began = System.nanoTime();
        try (SimCluster cluster = SimCluster.start(AGENTS, GRACE, SESSION, 8)) {
            log.info("{} agents up in {} ms", AGENTS, ms(began));
            Response net = cluster.call("POST", "/networks", Map.of(), NetworkSpec.overlay("big", "100.64.32.0/20"));
            assertThat(net.status()).as(net.bodyText()).isEqualTo(201);
            await().atMost(STEP).until(() -> cluster.view().list(Kind.NETWORKS).stream()
                    .anyMatch(n -> n.spec().name().equals("big") && n.allocated()));
            String netId = cluster.view().list(Kind.NETWORKS).stream()
                    .filter(n -> n.spec().name().equals("big"))
                    .map(Network::id)
                    .findFirst()
                    .orElseThrow();

            // Create: 1,000 replicas → ten per node, all RUNNING, each seen by its own agent.
            ServiceSpec v1 = ServiceSpec.replicated("web", "img:1", 1000)
                    .withUpdate(new UpdateConfig(
                            100, Duration.ZERO, FailureAction.PAUSE, Duration.ofSeconds(1), 0, UpdateOrder.STOP_FIRST));
            v1 = v1.withTask(v1.task().withNetworks(List.of(NetworkAttachmentConfig.of("big"))));
            long t0 = System.nanoTime();
            String web = cluster.createService(v1);
            List<Task> created = converge(cluster, web, 1000, "img:1", allAgents(cluster));
            log.info("create: 1000 RUNNING after {} ms", ms(t0));
            logSeen(cluster, created, t0);
            checkStep(cluster, created, 1000, netId, allAgents(cluster), 10, 10);
            for (Task t : created) {
                assertThat(cluster.seen()).as("agent of %s saw it", t.id()).containsKey(t.id());
            }
            Set<String> firstIds = ids(created);
            assertCreated(cluster, 1000);

            // Scale up to 1,500: the thousand keep running untouched, 500 more → 15 per node.
            long t1 = System.nanoTime();
            cluster.updateService(web, s -> s.withReplicas(1500));
            List<Task> scaledUp = converge(cluster, web, 1500, "img:1", allAgents(cluster));
            log.info("scale to 1500: converged after {} ms", ms(t1));
            checkStep(cluster, scaledUp, 1500, netId, allAgents(cluster), 15, 15);
            assertThat(ids(scaledUp)).containsAll(firstIds);
            assertCreated(cluster, 1500);

            // Scale down to 500: slots 1..500 keep their tasks, the other 1,000 are shut down.
            long t2 = System.nanoTime();
            cluster.updateService(web, s -> s.withReplicas(500));
            List<Task> scaledDown = converge(cluster, web, 500, "img:1", allAgents(cluster));
            log.info("scale to 500: converged after {} ms", ms(t2));
            checkStep(cluster, scaledDown, 500, netId, allAgents(cluster), 5, 5);
            Set<String> keptIds = ids(scaledDown);
            assertCreated(cluster, 1500);
            assertThat(ids(scaledUp)).containsAll(keptIds);
            for (Task t : scaledUp) {
                if (!keptIds.contains(t.id())) {
                    assertThat(cluster.reported(t.id()).state()).isEqualTo(TaskState.SHUTDOWN);
                }
            }

            // Rolling update to img:2, 100 slots at a time, stop-first: every task replaced.
            long t3 = System.nanoTime();
            cluster.updateService(
                    web,
                    s -> s.withTask(s.task().withContainer(s.task().container().withImage("img:2"))));
            List<Task> updated = converge(cluster, web, 500, "img:2", allAgents(cluster));
            await().atMost(STEP).until(() -> updateState(cluster, web) == UpdateState.COMPLETED);
            log.info("rolling update of 500: converged and completed after {} ms", ms(t3));
            checkStep(cluster, updated, 500, netId, allAgents(cluster), 4, 6);
            assertThat(ids(updated)).doesNotContainAnyElementsOf(keptIds);
            assertCreated(cluster, 2000); // one replacement per slot, no task restarted
            for (String old : keptIds) {
                assertThat(cluster.reported(old).state()).isEqualTo(TaskState.SHUTDOWN);
            }
            assertThat(cluster.manager().metrics().value("shoal_controlplane_update_batches_total"))
                    .isGreaterThanOrEqualTo(5); // 500 slots, at most 100 at a time

            // Ten agents crash: after session expiry and the grace period their tasks move.
            List<SimAgent> dead = cluster.agents().subList(0, 10);
            Set<String> deadNodes = dead.stream().map(SimAgent::nodeId).collect(Collectors.toSet());
            Set<String> survivors = new HashSet<>(allAgents(cluster));
            survivors.removeAll(deadNodes);
            List<Task> onDead =
                    updated.stream().filter(t -> deadNodes.contains(t.nodeId())).toList();
            assertThat(onDead).hasSizeGreaterThanOrEqualTo(40); // 4 to 6 on each of the ten
            Instant crashedAt = Instant.now();
            long t4 = System.nanoTime();
            for (SimAgent a : dead) {
                a.crash();
            }
            List<Task> afterLoss = converge(cluster, web, 500, "img:2", survivors);
            log.info("10 nodes lost: converged after {} ms", ms(t4));
            for (String n : deadNodes) {
                assertThat(cluster.view()
                                .get(Kind.NODES, n)
                                .orElseThrow()
                                .status()
                                .state())
                        .isEqualTo(NodeState.DOWN);
            }
            checkStep(cluster, afterLoss, 500, netId, survivors, 4, 6);
            // Each task of a lost node replaced once; a replacement placed on another crashed node
            // not yet seen down (the ten go one after the other) is replaced again in turn.
            long placedOnDead = cluster.view().list(Kind.TASKS).stream()
                    .filter(t -> t.serviceId().equals(web)
                            && deadNodes.contains(t.nodeId())
                            && t.meta().createdAt().isAfter(crashedAt))
                    .count();
            log.info(
                    "{} tasks on the lost nodes, {} replacements placed there before they were seen down",
                    onDead.size(),
                    placedOnDead);
            assertCreated(cluster, 2000 + onDead.size() + placedOnDead);
            Set<String> movedSlots =
                    onDead.stream().map(t -> Integer.toString(t.slot())).collect(Collectors.toSet());
            for (Task t : afterLoss) {
                if (movedSlots.contains(Integer.toString(t.slot()))) {
                    // A replacement, made only once the node stayed away past the grace period.
                    assertThat(t.meta().createdAt()).isAfter(crashedAt.plus(GRACE));
                }
            }
            Set<String> untouched = new HashSet<>(ids(updated));
            untouched.removeAll(ids(onDead));
            assertThat(ids(afterLoss)).containsAll(untouched);
            for (Task t : onDead) {
                assertThat(cluster.view().get(Kind.TASKS, t.id()).orElseThrow().desiredState())
                        .isEqualTo(TaskState.SHUTDOWN);
            }
        }
        log.info("whole run (start, five steps, close) {} ms", ms(began));
    }

    /**
     * Waits until the service has exactly {@code replicas} tasks that should run, all of
     * {@code image}, reported RUNNING, on {@code nodes}, and every task of it told to stop on those
     * nodes was reported SHUTDOWN by its agent.
     */
    private static List<Task> converge(
            SimCluster cluster, String service, int replicas, String image, Set<String> nodes) {
        try {
            awaitConverged(cluster, service, replicas, image, nodes);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("not converged: " + describe(cluster, service, image, nodes), e);
        }
        return cluster.running(service);
    }

    private static void awaitConverged(
            SimCluster cluster, String service, int replicas, String image, Set<String> nodes) {
        await().atMost(STEP).pollInterval(Duration.ofMillis(100)).until(() -> {
            int running = 0;
            for (Task t : cluster.view().list(Kind.TASKS)) {
                if (!t.serviceId().equals(service)) {
                    continue;
                }
                TaskStatus st = cluster.reported(t.id());
                TaskState observed = st == null ? t.status().state() : st.state();
                if (t.desiredState() == TaskState.RUNNING) {
                    if (observed != TaskState.RUNNING
                            || !nodes.contains(t.nodeId())
                            || !t.spec().container().image().equals(image)) {
                        return false;
                    }
                    running++;
                } else if (nodes.contains(t.nodeId()) && !observed.isTerminal()) {
                    return false; // told to stop, its (live) agent has not reported it yet
                }
            }
            return running == replicas;
        });
    }

    /** What keeps a service from converging: its tasks counted by desired state, observed state, image and node. */
    private static String describe(SimCluster cluster, String service, String image, Set<String> nodes) {
        Map<String, Integer> counts = new TreeMap<>();
        List<String> examples = new ArrayList<>();
        for (Task t : cluster.view().list(Kind.TASKS)) {
            if (!t.serviceId().equals(service)) {
                continue;
            }
            TaskStatus st = cluster.reported(t.id());
            TaskState observed = st == null ? t.status().state() : st.state();
            String key = "desired " + t.desiredState() + ", observed " + observed
                    + (st == null ? " (no report)" : "")
                    + (t.spec().container().image().equals(image)
                            ? ""
                            : ", image " + t.spec().container().image())
                    + (nodes.contains(t.nodeId()) ? "" : ", node " + (t.nodeId().isEmpty() ? "none" : "not live"));
            counts.merge(key, 1, Integer::sum);
            boolean pending = t.desiredState() == TaskState.RUNNING
                    ? observed != TaskState.RUNNING
                            || !t.spec().container().image().equals(image)
                    : nodes.contains(t.nodeId()) && !observed.isTerminal();
            if (pending && examples.size() < 5) {
                examples.add(t.id() + " slot " + t.slot() + " on " + t.nodeId() + ": " + key + " (store status "
                        + t.status().state() + ")");
            }
        }
        Service s = cluster.view().get(Kind.SERVICES, service).orElseThrow();
        return counts + "; update " + s.updateStatus() + "; e.g. " + examples;
    }

    /** Slots 1..n once each, one address each and all different, every task on the right agent, spread. */
    private static void checkStep(
            SimCluster cluster, List<Task> running, int replicas, String netId, Set<String> nodes, int min, int max) {
        assertThat(running).hasSize(replicas);
        assertThat(running.stream().map(Task::slot).collect(Collectors.toSet()))
                .hasSize(replicas)
                .allMatch(s -> s >= 1 && s <= replicas);
        Set<Cidr> addresses = new HashSet<>();
        for (Task t : running) {
            Cidr a = t.addresses().get(netId);
            assertThat(a).as("address of %s", t.id()).isNotNull();
            assertThat(addresses.add(a))
                    .as("address %s of %s is unique", a, t.id())
                    .isTrue();
        }
        Map<String, SimAgent> agents =
                cluster.agents().stream().collect(Collectors.toMap(SimAgent::nodeId, Function.identity()));
        for (Task t : running) {
            assertThat(agents.get(t.nodeId()).reported(t.id()))
                    .as("task %s reported by the agent of %s", t.id(), t.nodeId())
                    .isEqualTo(TaskState.RUNNING);
        }
        Map<String, Long> perNode =
                running.stream().collect(Collectors.groupingBy(Task::nodeId, TreeMap::new, Collectors.counting()));
        assertThat(nodes).containsAll(perNode.keySet());
        assertThat(perNode.keySet()).as("every node runs tasks").hasSize(nodes.size());
        IntSummaryStatistics spread =
                perNode.values().stream().mapToInt(Long::intValue).summaryStatistics();
        log.info("{} tasks: {}-{} per node", replicas, spread.getMin(), spread.getMax());
        assertThat(spread.getMin()).isGreaterThanOrEqualTo(min);
        assertThat(spread.getMax()).isLessThanOrEqualTo(max);
    }

    private static void logSeen(SimCluster cluster, List<Task> tasks, long from) {
        List<Long> ms = new ArrayList<>();
        for (Task t : tasks) {
            Long at = cluster.seen().get(t.id());
            if (at != null) {
                ms.add((at - from) / 1_000_000);
            }
        }
        ms.sort(null);
        log.info(
                "create → agent saw its assignment: p50 {} ms, p99 {} ms, max {} ms ({} tasks)",
                ms.get(ms.size() / 2),
                ms.get(ms.size() * 99 / 100),
                ms.get(ms.size() - 1),
                ms.size());
    }

    /** Nothing restarted or made twice: the orchestrator created exactly the tasks the steps call for. */
    private static void assertCreated(SimCluster cluster, long expected) {
        assertThat(cluster.manager().metrics().value("shoal_controlplane_tasks_created_total"))
                .as("tasks created so far")
                .isEqualTo(expected);
    }

    private static UpdateState updateState(SimCluster cluster, String service) {
        Service s = cluster.view().get(Kind.SERVICES, service).orElseThrow();
        return s.updateStatus() == null ? null : s.updateStatus().state();
    }

    private static Set<String> allAgents(SimCluster cluster) {
        return cluster.agents().stream().map(SimAgent::nodeId).collect(Collectors.toSet());
    }

    private static Set<String> ids(Collection<Task> tasks) {
        return tasks.stream().map(Task::id).collect(Collectors.toSet());
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
