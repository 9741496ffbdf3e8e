package io.shoal.controlplane.startup;

import io.shoal.controlplane.Lifecycle;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;

/**
 * A single ZooKeeper server inside the manager's JVM, for a one-manager cluster started without
 * {@code --zookeeper}. Its snapshots and transaction log live under the data directory (the
 * manager's state directory), so a restart loses nothing. It is a real ZooKeeper server
 * ({@link ZooKeeperServer} behind a {@link ServerCnxnFactory}), not curator-test's; the admin HTTP
 * server of {@code ZooKeeperServerMain} is not started.
 */
public final class EmbeddedZooKeeper implements Closeable {
    /** 2 s ticks: sessions between 4 s and 40 s, as ZooKeeper's defaults. */
    static final int TICK_MS = 2000;

    private final Path dataDir;
    private final InetSocketAddress address;
    private final int tickMs;
    private final Lifecycle lifecycle = new Lifecycle("embedded zookeeper");
    private ZooKeeperServer server;
    private ServerCnxnFactory factory;

    /**
     * @param dataDir where snapshots ({@code snap/}) and the transaction log ({@code log/}) are kept
     * @param address where clients connect (loopback for a single manager; port 0 = any free port)
     * @param tickMs the tick (the minimum session timeout is two ticks)
     */
    public EmbeddedZooKeeper(Path dataDir, InetSocketAddress address, int tickMs) {
        this.dataDir = dataDir;
        this.address = address;
        this.tickMs = tickMs;
    }

    public EmbeddedZooKeeper(Path dataDir, InetSocketAddress address) {
        this(dataDir, address, TICK_MS);
    }

    /** Loads the data directory and starts serving. */
    public void start() {
        lifecycle.start();
        try {
            Path snap = Files.createDirectories(dataDir.resolve("snap"));
            Path log = Files.createDirectories(dataDir.resolve("log"));
            server = new ZooKeeperServer(snap.toFile(), log.toFile(), tickMs);
            factory = ServerCnxnFactory.createFactory(address, 100);
            factory.startup(server);
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(
                    "embedded zookeeper: cannot start on " + address + " with data in " + dataDir + ": "
                            + e.getMessage(),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("embedded zookeeper: interrupted while starting", e);
        }
    }

    /** The connect string of this server, e.g. {@code 127.0.0.1:2181}. */
    public String connectString() {
        return address.getAddress().getHostAddress() + ":" + factory.getLocalPort();
    }

    @Override
    public void close() {
        lifecycle.close();
        if (factory != null) {
            factory.shutdown();
            factory = null;
        }
        if (server != null) {
            server.shutdown();
            server = null;
        }
    }
}
