package io.shoal.controlplane.sim;

import static org.awaitility.Awaitility.await;

import io.shoal.controlplane.api.Api;
import io.shoal.controlplane.api.Request;
import io.shoal.controlplane.api.Response;
import io.shoal.controlplane.join.JoinTokens;
import io.shoal.controlplane.manager.Manager;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Layout;
import io.shoal.controlplane.store.Store;
import io.shoal.model.ClusterSpec;
import io.shoal.model.Json;
import io.shoal.model.NodeState;
import io.shoal.model.ServiceSpec;
import io.shoal.model.Task;
import io.shoal.model.TaskState;
import io.shoal.model.TaskStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/**
 * A real ZooKeeper, one manager (leader: orchestrator, membership watcher) with its API called
 * in-process, and {@code n} {@link SimAgent}s, each with its own session. Closing removes everything.
 */
public final class SimCluster implements AutoCloseable {
    /** The manager's session timeout: long, so that a stalled machine does not depose it. */
    static final Duration MANAGER_SESSION = Duration.ofSeconds(30);

    private final TestingServer server;
    private final CuratorFramework managerClient;
    private final Manager manager;
    private final Api api;
    private final ExecutorService pool;
    private final List<SimAgent> agents = new ArrayList<>();
    private final Map<String, Long> seen = new ConcurrentHashMap<>();

    private SimCluster(
            TestingServer server, CuratorFramework managerClient, Manager manager, Api api, ExecutorService pool) {
        this.server = server;
        this.managerClient = managerClient;
        this.manager = manager;
        this.api = api;
        this.pool = pool;
    }

    /**
     * Starts ZooKeeper, the manager (leading) and {@code agents} agents (started 8 at a time), and
     * waits until every node is READY in the manager's view.
     *
     * @param grace how long a vanished node may stay away before its tasks move
     * @param agentSession the agents' session timeout (how long a crashed agent's member record lingers)
     * @param reportThreads the agents' shared report pool
     */
    public static SimCluster start(int agents, Duration grace, Duration agentSession, int reportThreads)
            throws Exception {
        return start(agents, grace, agentSession, reportThreads, SimAgent.Watch.ASSIGNMENTS);
    }

    /**
     * As {@link #start(int, Duration, Duration, int)}, with what the agents watch.
     */
    public static SimCluster start(
            int agents, Duration grace, Duration agentSession, int reportThreads, SimAgent.Watch watch)
            throws Exception {
        // Tick 200 ms as in ZkSupport, any number of connections, sessions up to a minute: a loaded
        // machine stalls the in-process server for seconds, and a hundred 3 s sessions then expire.
        TestingServer server = new TestingServer(
                new InstanceSpec(null, -1, -1, -1, true, -1, 200, 0, Map.of("maxSessionTimeout", "60000")), true);
        CuratorFramework client = null;
        Manager manager = null;
        ExecutorService pool = Executors.newFixedThreadPool(reportThreads, daemon("sim-agent-report"));
        SimCluster cluster = null;
        try {
            client = CuratorFrameworkFactory.builder()
                    .connectString(server.getConnectString())
                    .sessionTimeoutMs((int) MANAGER_SESSION.toMillis())
                    .connectionTimeoutMs(10_000)
                    .retryPolicy(new ExponentialBackoffRetry(100, 5, 2000))
                    .build();
            client.start();
            if (!client.blockUntilConnected(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("manager: no ZooKeeper connection within 20 s");
            }
            manager = new Manager(
                    client, Layout.DEFAULT, "m1", ClusterSpec.withPools("100.64.0.0/10"), grace, Clock.systemUTC());
            manager.start();
            CuratorFramework c = client;
            Api api = new Api(
                    manager.store(),
                    manager.metrics(),
                    manager::isLeader,
                    () -> JoinTokens.load(c, Layout.DEFAULT),
                    Clock.systemUTC());
            cluster = new SimCluster(server, client, manager, api, pool);
            await().atMost(Duration.ofSeconds(20)).until(manager::isLeader);
            SimAgent.Shared shared =
                    new SimAgent.Shared(pool, daemon("sim-agent-zk"), agentSession, cluster.seen, watch);
            for (int i = 0; i < agents; i++) {
                cluster.agents.add(new SimAgent(server.getConnectString(), Layout.DEFAULT, i, shared));
            }
            ExecutorService starter = Executors.newFixedThreadPool(8, daemon("sim-agent-start"));
            try {
                List<Future<?>> started = new ArrayList<>();
                for (SimAgent a : cluster.agents) {
                    started.add(starter.submit(() -> {
                        a.start();
                        return null;
                    }));
                }
                for (Future<?> f : started) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                starter.shutdownNow();
            }
            Store view = manager.store();
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> view.list(Kind.NODES).stream()
                                    .filter(n -> n.status().state() == NodeState.READY
                                            && n.status().ingressAddress() != null)
                                    .count()
                            == agents);
            return cluster;
        } catch (Exception | Error e) {
            if (cluster != null) {
                cluster.close();
            } else {
                if (manager != null) {
                    manager.close();
                }
                if (client != null) {
                    client.close();
                }
                pool.shutdownNow();
                server.close();
            }
            throw e;
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    public Manager manager() {
        return manager;
    }

    public Store view() {
        return manager.store();
    }

    public List<SimAgent> agents() {
        return agents;
    }

    public CuratorFramework managerClient() {
        return managerClient;
    }

    /** When (System.nanoTime) each task's agent first saw it assigned. */
    public Map<String, Long> seen() {
        return seen;
    }

    /** Calls the manager's API in-process. */
    public Response call(String method, String path, Map<String, String> query, Object body) {
        byte[] bytes;
        try {
            bytes = body == null ? new byte[0] : Json.mapper().writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot encode " + body, e);
        }
        return api.handle(new Request(method, path, query, bytes));
    }

    /** {@code POST /services}; returns the new service's id. */
    public String createService(ServiceSpec spec) {
        Response r = call("POST", "/services", Map.of(), spec);
        if (r.status() != 201) {
            throw new IllegalStateException("POST /services: " + r.status() + " " + body(r));
        }
        try {
            return Json.mapper().readTree(r.body()).get("id").asText();
        } catch (IOException e) {
            throw new IllegalStateException("POST /services answered " + body(r), e);
        }
    }

    /** {@code POST /services/{id}/update?version=N} with the version read from ZooKeeper. */
    public void updateService(String id, java.util.function.UnaryOperator<ServiceSpec> change) {
        var stored = view().read(Kind.SERVICES, id).orElseThrow();
        Response r = call(
                "POST",
                "/services/" + id + "/update",
                Map.of("version", Long.toString(stored.version())),
                change.apply(stored.value().spec()));
        if (r.status() != 200) {
            throw new IllegalStateException("update of " + id + ": " + r.status() + " " + body(r));
        }
    }

    private static String body(Response r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    /** The agent's report for a task, in the manager's view, or null. */
    public TaskStatus reported(String taskId) {
        return view().get(Kind.STATUS, taskId).orElse(null);
    }

    /** Tasks of a service that should run and were reported RUNNING (manager's view). */
    public List<Task> running(String serviceId) {
        return view().list(Kind.TASKS).stream()
                .filter(t -> t.serviceId().equals(serviceId) && t.desiredState() == TaskState.RUNNING)
                .filter(t -> {
                    TaskStatus st = reported(t.id());
                    return st != null && st.state() == TaskState.RUNNING;
                })
                .toList();
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        try {
            manager.close();
        } catch (Exception e) {
            first = e;
        }
        ExecutorService closer = Executors.newFixedThreadPool(8, daemon("sim-agent-close"));
        try {
            List<Future<?>> closed = new ArrayList<>();
            for (SimAgent a : agents) {
                closed.add(closer.submit(() -> {
                    a.close();
                    return null;
                }));
            }
            for (Future<?> f : closed) {
                try {
                    f.get(120, TimeUnit.SECONDS);
                } catch (Exception e) {
                    first = first == null ? e : first;
                }
            }
        } finally {
            closer.shutdownNow();
            managerClient.close();
            pool.shutdownNow();
            server.close();
        }
        if (first != null) {
            throw first;
        }
    }
}
