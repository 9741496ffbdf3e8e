package io.shoal.controlplane;

import io.shoal.controlplane.store.Store;
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
}
