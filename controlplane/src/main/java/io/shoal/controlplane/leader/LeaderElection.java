package io.shoal.controlplane.leader;

import io.shoal.controlplane.Lifecycle;
import io.shoal.controlplane.store.Fence;
import io.shoal.controlplane.store.Layout;
import io.shoal.controlplane.store.Store;
import io.shoal.controlplane.store.StoreException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.leader.Participant;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Elects one leader among the managers with Curator's {@link LeaderLatch} and fences each term.
 *
 * <p>On every win the new leader increments the epoch (the version of the epoch znode, see {@link
 * Layout#epoch()}) and only then reports {@link Listener#elected}: every write it makes as leader
 * carries a check of that version in the same ZooKeeper transaction ({@link Fence}). A manager that
 * was deposed but has not noticed yet (a long pause, a partition) still holds the old epoch, so
 * ZooKeeper refuses its writes; a manager that noticed refuses them itself.
 *
 * <p>Losing the ZooKeeper connection (SUSPENDED) ends leadership at once, as Curator's standard
 * error policy says; the latch re-joins the election when the connection returns.
 */
public final class LeaderElection implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(LeaderElection.class);

    /** Told about terms; called on the election's own thread, one call at a time. */
    public interface Listener {
        /** This manager leads; {@code fence} proves it in writes. */
        void elected(Fence fence);

        /** This manager no longer leads; stop the reconcilers. */
        void deposed();
    }

    private final CuratorFramework client;
    private final Layout layout;
    private final String managerId;
    private final Listener listener;
    private final Lifecycle lifecycle = new Lifecycle("leader election");
    private final ExecutorService events;
    private final LeaderLatch latch;
    private volatile Fence fence;

    /**
     * @param client a started Curator client (owned by the caller)
     * @param layout where the latch and the epoch live
     * @param managerId this manager's id, shown as the leader's id to others
     * @param listener told when this manager wins or loses
     */
    public LeaderElection(CuratorFramework client, Layout layout, String managerId, Listener listener) {
        this.client = client;
        this.layout = layout;
        this.managerId = managerId;
        this.listener = listener;
        this.events = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "shoal-leader-" + managerId);
            t.setDaemon(true);
            return t;
        });
        this.latch = new LeaderLatch(client, layout.leader(), managerId, LeaderLatch.CloseMode.NOTIFY_LEADER);
    }

    /** Joins the election. @throws IllegalStateException when called twice */
    public void start() {
        lifecycle.start();
        try {
            Store.ensurePersistent(client, layout.epoch());
            latch.addListener(
                    new LeaderLatchListener() {
                        @Override
                        public void isLeader() {
                            won();
                        }

                        @Override
                        public void notLeader() {
                            lost();
                        }
                    },
                    events);
            latch.start();
        } catch (Exception e) {
            throw new StoreException("leader election: cannot join at " + layout.leader() + ": " + e, e);
        }
    }

    /** Leaves the election; if leading, the listener is told it is deposed. */
    @Override
    public void close() throws IOException {
        if (lifecycle.close()) {
            try {
                latch.close();
            } finally {
                events.shutdown();
                try {
                    if (!events.awaitTermination(5, TimeUnit.SECONDS)) {
                        events.shutdownNow();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    public String managerId() {
        return managerId;
    }

    /** True while this manager leads and has fenced its term. */
    public boolean isLeader() {
        return fence != null && latch.hasLeadership();
    }

    /** The fence of the current term, when leading. */
    public Optional<Fence> fence() {
        Fence f = fence;
        return f != null && latch.hasLeadership() ? Optional.of(f) : Optional.empty();
    }

    /** The id of the current leader as ZooKeeper sees it, if any. */
    public Optional<String> leaderId() {
        try {
            Participant p = latch.getLeader();
            return p.isLeader() && !p.getId().isEmpty() ? Optional.of(p.getId()) : Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /** The epoch as stored now (number of election wins so far), or -1 when unreadable. */
    public int currentEpoch() {
        try {
            Stat stat = client.checkExists().forPath(layout.epoch());
            return stat == null ? -1 : stat.getVersion();
        } catch (Exception e) {
            return -1;
        }
    }

    public Lifecycle.State state() {
        return lifecycle.state();
    }

    private void won() {
        // Bump the epoch before acting: from here on, writes fenced by an older term fail.
        while (latch.hasLeadership() && lifecycle.state() == Lifecycle.State.STARTED) {
            try {
                int epoch = bumpEpoch();
                Fence f = new Fence(layout.epoch(), epoch, managerId, () -> isHolder(epoch));
                fence = f;
                log.info("leader election: {} leads epoch {}", managerId, epoch);
                listener.elected(f);
                return;
            } catch (KeeperException.BadVersionException e) {
                // Raced with a previous leader's late bump; read again.
            } catch (Exception e) {
                log.warn("leader election: {} cannot bump the epoch yet: {}", managerId, e.toString());
                if (!pause()) {
                    return;
                }
            }
        }
    }

    private boolean isHolder(int epoch) {
        Fence f = fence;
        return f != null && f.epoch() == epoch && latch.hasLeadership();
    }

    private int bumpEpoch() throws Exception {
        Stat stat = new Stat();
        client.getData().storingStatIn(stat).forPath(layout.epoch());
        byte[] who = (managerId + " " + Instant.now()).getBytes(StandardCharsets.UTF_8);
        Stat after = client.setData().withVersion(stat.getVersion()).forPath(layout.epoch(), who);
        return after.getVersion();
    }

    private void lost() {
        Fence f = fence;
        fence = null;
        if (f != null) {
            log.info("leader election: {} no longer leads (epoch {})", managerId, f.epoch());
            listener.deposed();
        }
    }

    private static boolean pause() {
        try {
            Thread.sleep(200);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
