package io.shoal.controlplane.manager;

import io.shoal.controlplane.Lifecycle;
import io.shoal.controlplane.allocator.Allocator;
import io.shoal.controlplane.leader.LeaderElection;
import io.shoal.controlplane.membership.MembershipWatcher;
import io.shoal.controlplane.metrics.Metrics;
import io.shoal.controlplane.orchestrator.Orchestrator;
import io.shoal.controlplane.scheduler.Scheduler;
import io.shoal.controlplane.store.Fence;
import io.shoal.controlplane.store.Layout;
import io.shoal.controlplane.store.Store;
import io.shoal.model.ClusterSpec;
import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One manager of the cluster. Every manager keeps a {@link Store} view and takes part in the
 * election; only the leader runs the reconcilers (membership watcher and orchestrator), all fenced
 * by its term. When it is deposed they stop; the next leader restores the allocator from ZooKeeper
 * and carries on where the last one stopped.
 */
public final class Manager implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Manager.class);

    private final String id;
    private final Store store;
    private final LeaderElection election;
    private final ClusterSpec wanted;
    private final Duration grace;
    private final Clock clock;
    private final Lifecycle lifecycle = new Lifecycle("manager");
    private final Metrics metrics = new Metrics();
    private volatile int epoch;
    private volatile ClusterSpec cluster;
    private volatile Reconcilers reconcilers;

    /** What runs during one term. */
    private record Reconcilers(Orchestrator orchestrator, MembershipWatcher membership) {
        void close() {
            membership.close();
            orchestrator.close();
        }
    }

    /**
     * @param client a started Curator client (owned by the caller)
     * @param layout where things live in ZooKeeper
     * @param id this manager's id
     * @param cluster the cluster settings to write if the cluster is new (else the stored ones win)
     * @param grace how long a vanished node may take to come back before its tasks move
     * @param clock time
     */
    public Manager(
            CuratorFramework client, Layout layout, String id, ClusterSpec cluster, Duration grace, Clock clock) {
        this.id = id;
        this.wanted = cluster;
        this.grace = grace;
        this.clock = clock;
        this.store = new Store(client, layout, clock, Duration.ofSeconds(10));
        this.election = new LeaderElection(client, layout, id, new LeaderElection.Listener() {
            @Override
            public void elected(Fence fence) {
                lead(fence);
            }

            @Override
            public void deposed() {
                stopLeading();
            }
        });
    }

    /** Loads the view, adopts (or writes) the cluster record and joins the election. */
    public void start() {
        lifecycle.start();
        metrics.gauge("shoal_controlplane_leader_epoch", "The epoch this manager last led (0: never)", () -> epoch);
        store.start();
        cluster = store.initCluster(wanted);
        election.start();
    }

    @Override
    public void close() throws IOException {
        if (lifecycle.close()) {
            election.close();
            stopLeading();
            store.close();
        }
    }

    public String id() {
        return id;
    }

    public Store store() {
        return store;
    }

    public boolean isLeader() {
        return election.isLeader() && reconcilers != null;
    }

    /** This manager's counters and gauges (the orchestrator's while it leads, the API's). */
    public Metrics metrics() {
        return metrics;
    }

    /** The settings in effect (from {@code /shoal/cluster}). */
    public ClusterSpec cluster() {
        return cluster;
    }

    private void lead(Fence fence) {
        stopLeading();
        Orchestrator orchestrator = new Orchestrator(
                store, fence, new Allocator(cluster), Scheduler.defaults(), clock, metrics, cluster.taskHistoryLimit());
        metrics.counter("shoal_controlplane_leader_terms_total", "Terms this manager won")
                .increment();
        epoch = fence.epoch();
        MembershipWatcher membership = new MembershipWatcher(store, fence, grace, clock, orchestrator::nodeLost);
        orchestrator.start();
        membership.start();
        reconcilers = new Reconcilers(orchestrator, membership);
        log.info("manager {}: leading epoch {}", id, fence.epoch());
    }

    private void stopLeading() {
        Reconcilers r = reconcilers;
        reconcilers = null;
        if (r != null) {
            r.close();
            log.info("manager {}: stopped leading", id);
        }
    }
}
