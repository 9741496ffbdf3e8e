package io.shoal.controlplane.startup;

import io.shoal.controlplane.api.Api;
import io.shoal.controlplane.api.ApiServer;
import io.shoal.controlplane.join.JoinTokens;
import io.shoal.controlplane.manager.Manager;
import io.shoal.controlplane.store.Layout;
import io.shoal.model.ClusterSpec;
import java.io.Closeable;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A manager process: ZooKeeper (embedded under the state directory when no {@code --zookeeper} is
 * given), the {@link Manager} (store, election, reconcilers on the leader) and the HTTP API. On the
 * cluster's first start it creates the join tokens and prints them once. {@link #close} stops it all
 * in reverse order; {@link #main} does so on SIGTERM/SIGINT.
 */
public final class ShoalManager implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(ShoalManager.class);

    private final List<Closeable> parts = new ArrayList<>();
    private Manager manager;
    private ApiServer api;
    private String connectString;

    private ShoalManager() {}

    /**
     * Starts everything; on failure closes what was started and rethrows.
     *
     * @param options the parsed command line
     * @param out where the join tokens are printed on the cluster's first start
     */
    public static ShoalManager start(ManagerOptions options, PrintStream out) {
        ShoalManager m = new ShoalManager();
        try {
            m.startParts(options, out);
            return m;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private void startParts(ManagerOptions o, PrintStream out) {
        if (o.zookeeper() == null) {
            EmbeddedZooKeeper zk = new EmbeddedZooKeeper(o.stateDir().resolve("zookeeper"), o.zookeeperListen());
            parts.add(zk);
            zk.start();
            connectString = zk.connectString();
            log.info("manager {}: embedded ZooKeeper on {} (data in {})", o.id(), connectString, o.stateDir());
        } else {
            connectString = o.zookeeper();
        }
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .sessionTimeoutMs(10_000)
                .connectionTimeoutMs(5_000)
                .retryPolicy(new ExponentialBackoffRetry(200, 10, 5_000))
                .build();
        parts.add(client::close);
        client.start();
        try {
            if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(
                        "manager: no ZooKeeper connection to " + connectString + " within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("manager: interrupted while connecting to ZooKeeper", e);
        }
        ClusterSpec cluster = new ClusterSpec(
                "default", o.pools(), 0, 0, 0, 0, o.taskHistoryLimit() == 0 ? null : o.taskHistoryLimit());
        manager = new Manager(client, Layout.DEFAULT, o.id(), cluster, o.grace(), Clock.systemUTC());
        parts.add(manager);
        manager.start();
        int limit = manager.cluster().taskHistoryLimit();
        if (o.taskHistoryLimit() != 0 && o.taskHistoryLimit() != limit) {
            log.warn(
                    "manager: --task-history-limit {} ignored: the cluster was made with {} (stored in {})",
                    o.taskHistoryLimit(),
                    limit,
                    Layout.DEFAULT.cluster());
        }
        Optional<JoinTokens.Tokens> fresh = JoinTokens.init(client, Layout.DEFAULT);
        fresh.ifPresent(t -> {
            out.println("Shoal cluster initialised. Join tokens (shown once, keep them safe):");
            out.println("  worker:  " + t.worker());
            out.println("  manager: " + t.manager());
            out.flush();
        });
        api = new ApiServer(
                new Api(
                        manager.store(),
                        manager.metrics(),
                        manager::isLeader,
                        () -> JoinTokens.load(client, Layout.DEFAULT),
                        Clock.systemUTC(),
                        o.id()),
                new ApiServer.Config(o.socket(), o.listen(), o.tls()));
        parts.add(api);
        api.start();
    }

    public Manager manager() {
        return manager;
    }

    public ApiServer api() {
        return api;
    }

    /** The ZooKeeper connect string in use (the embedded server's when there is one). */
    public String connectString() {
        return connectString;
    }

    /** Stops the API, the manager, the client and the embedded server, in that order. */
    @Override
    public void close() {
        for (int i = parts.size() - 1; i >= 0; i--) {
            try {
                parts.get(i).close();
            } catch (Exception e) {
                log.warn("manager: error while stopping: {}", e.toString());
            }
        }
        parts.clear();
    }

    /** Runs a manager until SIGTERM/SIGINT. Exit code 2 on a bad command line, 1 on a failed start. */
    public static void main(String[] args) throws InterruptedException {
        ManagerOptions options;
        try {
            options = ManagerOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("shoal-manager: " + e.getMessage());
            System.exit(2);
            return;
        }
        ShoalManager m;
        try {
            m = start(options, System.out);
        } catch (RuntimeException e) {
            System.err.println("shoal-manager: cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            m.close();
                            stopped.countDown();
                        },
                        "shoal-manager-shutdown"));
        stopped.await();
    }
}
