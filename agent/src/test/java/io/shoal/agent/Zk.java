package io.shoal.agent;

import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/** Real ZooKeeper for agent tests: a loopback server with short ticks and quick clients. */
public final class Zk {
    private Zk() {}

    /** A started server (tick 200 ms, so 3 s sessions are allowed). */
    public static TestingServer server() throws Exception {
        return new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 200, 100), true);
    }

    /** A started client with a 3 s session; connected unless {@code wait} is false. */
    public static CuratorFramework client(String connect) throws InterruptedException {
        CuratorFramework c = CuratorFrameworkFactory.builder()
                .connectString(connect)
                .sessionTimeoutMs(3000)
                .connectionTimeoutMs(2000)
                .retryPolicy(new ExponentialBackoffRetry(100, 3, 1000))
                .build();
        c.start();
        if (!c.blockUntilConnected(10, TimeUnit.SECONDS)) {
            c.close();
            throw new IllegalStateException("no ZooKeeper connection to " + connect);
        }
        return c;
    }
}
