package io.shoal.cli;

import io.shoal.controlplane.api.Api;
import io.shoal.controlplane.api.ApiServer;
import io.shoal.controlplane.join.JoinTokens;
import io.shoal.controlplane.manager.Manager;
import io.shoal.controlplane.membership.MemberRecord;
import io.shoal.controlplane.status.TaskStatusReporter;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Layout;
import io.shoal.controlplane.store.Store;
import io.shoal.model.ClusterSpec;
import io.shoal.model.Member;
import io.shoal.model.Resources;
import io.shoal.model.Task;
import io.shoal.model.TaskState;
import io.shoal.model.TaskStatus;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/**
 * A real manager for CLI tests: curator-test ZooKeeper, the control plane, its API on a unix socket,
 * and three nodes (member records) whose agents are simulated: an assigned task is reported RUNNING,
 * a task told to stop SHUTDOWN, through the control plane's own status reporter.
 */
final class LiveManager implements AutoCloseable {
    final Path socket;
    private final TestingServer server;
    private final CuratorFramework client;
    private final CuratorFramework agentClient;
    private final Manager manager;
    private final List<MemberRecord> members = new ArrayList<>();
    private final ApiServer api;
    private final ExecutorService agentWork = Executors.newSingleThreadExecutor();
    private final Store.Subscription subscription;
    private final Map<String, TaskState> reported = new ConcurrentHashMap<>();

    LiveManager(Path dir) throws Exception {
        this(dir, new String[][] {
            {"m1", "mgr", "198.18.0.1"}, {"n2", "host2", "198.18.0.2"}, {"n3", "host3", "198.18.0.3"}
        });
    }

    /** With nodes of one's own: {id, hostname, underlay address} each. */
    LiveManager(Path dir, String[][] hosts) throws Exception {
        this(dir, hosts, null);
    }

    /** With nodes of one's own and TLS (client certificates verified) on the loopback TCP listener. */
    LiveManager(Path dir, String[][] hosts, io.shoal.controlplane.api.ApiTls tls) throws Exception {
        server = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 200, 100), true);
        client = client(server.getConnectString());
        manager = new Manager(
                client,
                Layout.DEFAULT,
                "m1",
                ClusterSpec.withPools("100.64.0.0/10"),
                Duration.ofSeconds(5),
                Clock.systemUTC());
        manager.start();
        JoinTokens.init(client, Layout.DEFAULT);
        agentClient = client(server.getConnectString());
        for (String[] h : hosts) {
            MemberRecord m = new MemberRecord(
                    agentClient,
                    Layout.DEFAULT,
                    new Member(h[0], h[1], List.of(h[2]), Resources.of(2, 2048), "test", Instant.now()));
            m.start(Duration.ofSeconds(10));
            members.add(m);
        }
        TaskStatusReporter reporter = new TaskStatusReporter(manager.store());
        subscription = manager.store().listen(Kind.TASKS, e -> {
            if (e.after() != null) {
                Task t = e.after().value();
                agentWork.execute(() -> react(reporter, t));
            }
        });
        socket = dir.resolve("shoal.sock");
        api = new ApiServer(
                new Api(
                        manager.store(),
                        manager.metrics(),
                        manager::isLeader,
                        () -> JoinTokens.load(client, Layout.DEFAULT),
                        Clock.systemUTC(),
                        "m1"),
                new ApiServer.Config(
                        socket, new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), tls));
        api.start();
    }

    /** The manager's store (its view of ZooKeeper). */
    io.shoal.controlplane.store.Store store() {
        return manager.store();
    }

    /** The API's TCP address on loopback, as {@code tcp://127.0.0.1:PORT}. */
    String tcpHost() {
        return "tcp://" + api.tcpAddress().getAddress().getHostAddress() + ":"
                + api.tcpAddress().getPort();
    }

    private void react(TaskStatusReporter reporter, Task t) {
        TaskState had = reported.get(t.id());
        try {
            if (t.desiredState() != TaskState.RUNNING) {
                if (had == null || !had.isTerminal()) {
                    reporter.report(t.id(), TaskStatus.of(TaskState.SHUTDOWN, Instant.now(), "stopped"));
                    reported.put(t.id(), TaskState.SHUTDOWN);
                }
            } else if (had == null && !t.nodeId().isEmpty() && t.status().state() == TaskState.ASSIGNED) {
                reporter.report(t.id(), TaskStatus.of(TaskState.RUNNING, Instant.now(), "started"));
                reported.put(t.id(), TaskState.RUNNING);
            }
        } catch (RuntimeException e) {
            // A concurrent write: the next event for this task retries.
        }
    }

    /** The role a join token grants now, or "refused: why". */
    String roleOf(String token) {
        try {
            return JoinTokens.load(client, Layout.DEFAULT).verify(token).json();
        } catch (IllegalArgumentException e) {
            return "refused: " + e.getMessage();
        }
    }

    boolean leads() {
        return manager.isLeader();
    }

    private static CuratorFramework client(String connect) throws InterruptedException {
        CuratorFramework c = CuratorFrameworkFactory.builder()
                .connectString(connect)
                .sessionTimeoutMs(3000)
                .connectionTimeoutMs(2000)
                .retryPolicy(new ExponentialBackoffRetry(100, 3, 1000))
                .build();
        c.start();
        if (!c.blockUntilConnected(5, TimeUnit.SECONDS)) {
            c.close();
            throw new IllegalStateException("no ZooKeeper connection to " + connect);
        }
        return c;
    }

    @Override
    public void close() throws Exception {
        api.close();
        subscription.close();
        agentWork.shutdownNow();
        for (MemberRecord m : members) {
            m.close();
        }
        manager.close();
        agentClient.close();
        client.close();
        server.close();
    }
}
