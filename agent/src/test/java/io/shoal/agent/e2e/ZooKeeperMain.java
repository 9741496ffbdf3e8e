package io.shoal.agent.e2e;

import io.shoal.controlplane.startup.EmbeddedZooKeeper;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * ZooKeeper as a process of its own on a test host, so that a test can stop and restart it under a
 * running manager and agents (the manager's embedded server would die with the manager).
 *
 * <p>It is the manager's own {@link EmbeddedZooKeeper}, started with a short tick so that agents may
 * ask for short sessions. Its data directory survives a restart, as a real server's does.
 *
 * <pre>java -cp ... io.shoal.agent.e2e.ZooKeeperMain HOST:PORT DATA_DIR [TICK_MS]</pre>
 */
public final class ZooKeeperMain {
    private ZooKeeperMain() {}

    /** Serves until the process is killed or gets SIGTERM. */
    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: ZooKeeperMain HOST:PORT DATA_DIR [TICK_MS]");
            System.exit(2);
        }
        int colon = args[0].lastIndexOf(':');
        if (colon <= 0) {
            System.err.println("HOST:PORT: expected e.g. 198.18.0.1:2181, got '" + args[0] + "'");
            System.exit(2);
        }
        InetSocketAddress address = new InetSocketAddress(
                InetAddress.getByName(args[0].substring(0, colon)), Integer.parseInt(args[0].substring(colon + 1)));
        int tick = args.length == 3 ? Integer.parseInt(args[2]) : 500;
        EmbeddedZooKeeper zk = new EmbeddedZooKeeper(Path.of(args[1]), address, tick);
        zk.start();
        System.out.println(
                "zookeeper serving on " + zk.connectString() + " (tick " + tick + " ms, data in " + args[1] + ")");
        System.out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            zk.close();
                            stopped.countDown();
                        },
                        "zookeeper-shutdown"));
        stopped.await();
    }
}
