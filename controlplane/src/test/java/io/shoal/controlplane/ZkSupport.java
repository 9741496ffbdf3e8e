package io.shoal.controlplane;

import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Layout;
import io.shoal.controlplane.store.Store;
import io.shoal.model.Meta;
import io.shoal.model.Node;
import io.shoal.model.NodeAvailability;
import io.shoal.model.NodeDescription;
import io.shoal.model.NodeRole;
import io.shoal.model.NodeSpec;
import io.shoal.model.NodeState;
import io.shoal.model.NodeStatus;
import io.shoal.model.Resources;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.TestInfo;

/** Real ZooKeeper for tests: a server on a random loopback port with short ticks, and quick clients. */
public final class ZkSupport {
    /** Session timeout of test clients: short, so expiry tests stay fast. */
    public static final Duration SESSION = Duration.ofSeconds(3);

    private ZkSupport() {}

    /** A started server; tick 200 ms so short sessions are allowed (min session = 2 ticks). */
    public static TestingServer server() throws Exception {
        InstanceSpec spec = new InstanceSpec(null, -1, -1, -1, true, -1, 200, 100);
        return new TestingServer(spec, true);
    }

    /** A started, connected client. */
    public static CuratorFramework client(String connectString) throws InterruptedException {
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .sessionTimeoutMs((int) SESSION.toMillis())
                .connectionTimeoutMs(2000)
                .retryPolicy(new ExponentialBackoffRetry(100, 3, 1000))
                .build();
        client.start();
        if (!client.blockUntilConnected(5, TimeUnit.SECONDS)) {
            client.close();
            throw new IllegalStateException("no ZooKeeper connection to " + connectString + " within 5 s");
        }
        return client;
    }

    /**
     * A started store of its own for the running test method, under {@code /<prefix>-<method>} of
     * the shared server (the orchestrator tests' fixture).
     */
    public static Store store(CuratorFramework client, String prefix, TestInfo info) {
        Store store = new Store(
                client,
                new Layout(
                        "/" + prefix + "-" + info.getTestMethod().orElseThrow().getName()),
                Clock.systemUTC(),
                Duration.ofSeconds(10));
        store.start();
        return store;
    }

    /** Stores a READY, ACTIVE worker {@code id} (4 CPUs, 4 GiB) with {@code labels}. */
    public static void worker(Store store, String id, Map<String, String> labels) {
        store.create(
                Kind.NODES,
                new Node(
                        Meta.created(id, Instant.now()),
                        new NodeSpec("", NodeRole.WORKER, NodeAvailability.ACTIVE, labels),
                        new NodeDescription("host-" + id, List.of("198.18.0.1"), Resources.of(4, 4096)),
                        NodeStatus.of(NodeState.READY, "", Instant.now())));
    }
}
