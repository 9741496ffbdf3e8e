package io.shoal.controlplane;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

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
}
