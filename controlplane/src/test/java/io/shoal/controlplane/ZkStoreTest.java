package io.shoal.controlplane;

import io.shoal.controlplane.status.TaskStatusReporter;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Store;
import io.shoal.model.Meta;
import io.shoal.model.Network;
import io.shoal.model.NetworkSpec;
import io.shoal.model.TaskState;
import io.shoal.model.TaskStatus;
import java.time.Instant;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/**
 * The orchestrator tests' fixture: a real ZooKeeper server for the test class ({@link
 * ZkSupport#server}) and, for each test method, a client and a started store under a root of its
 * own ({@link ZkSupport#store}). A subclass's own {@code @BeforeEach} runs after the store is open
 * and its {@code @AfterEach} before it is closed, so it sets up and closes what uses the store. Test
 * classes run one after the other (Surefire's default here), as the server field is static.
 */
public abstract class ZkStoreTest {
    protected static TestingServer server;
    protected CuratorFramework client;
    protected Store store;

    @BeforeAll
    static void startServer() throws Exception {
        server = ZkSupport.server();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void openStore(TestInfo info) throws Exception {
        client = ZkSupport.client(server.getConnectString());
        store = ZkSupport.store(client, "t", info);
    }

    @AfterEach
    void closeStore() throws Exception {
        store.close();
        client.close();
    }

    /** READY, ACTIVE workers with these ids ({@link ZkSupport#worker}, no labels). */
    protected void workers(String... ids) {
        for (String id : ids) {
            ZkSupport.worker(store, id, Map.of());
        }
    }

    /** An overlay network {@code name} (id = name), not allocated yet. */
    protected void overlay(String name) {
        store.create(Kind.NETWORKS, Network.unallocated(Meta.created(name, Instant.now()), NetworkSpec.overlay(name)));
    }

    /** What the task's agent would report, through the real status path ({@link TaskStatusReporter}). */
    protected void report(String taskId, TaskState state) {
        new TaskStatusReporter(store).report(taskId, TaskStatus.of(state, Instant.now(), "reported"));
    }
}
