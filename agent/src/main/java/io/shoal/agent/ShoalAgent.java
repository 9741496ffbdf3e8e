package io.shoal.agent;

import io.shoal.agent.exec.Executor;
import io.shoal.agent.net.DataPlane;
import io.shoal.agent.net.DataPlaneConfig;
import io.shoal.agent.worker.TaskNetworking;
import io.shoal.agent.worker.Worker;
import io.shoal.controlplane.Lifecycle;
import io.shoal.controlplane.membership.MemberRecord;
import io.shoal.controlplane.store.Layout;
import io.shoal.controlplane.store.Store;
import io.shoal.model.Member;
import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's agent: its view of the cluster ({@link Store}), its data plane ({@link DataPlane}:
 * overlays, VIPs, embedded DNS, routing mesh), its task lifecycle ({@link Worker}) and its member
 * record, which tells the leader that the node is alive.
 *
 * <p>Start order: view, data plane (serving from the view), then the worker (which adopts the
 * runtimes left by an earlier agent and wires them), then the member record, so that the leader
 * sees the node READY only once it can take tasks. Closing leaves the tasks and the kernel state in
 * place: a restarted agent adopts them.
 */
public final class ShoalAgent implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(ShoalAgent.class);

    private final Lifecycle lifecycle = new Lifecycle("agent");
    private final Member member;
    private final Store store;
    private final Worker worker;
    private final MemberRecord record;
    private final Executor executor;
    private final DataPlane dataPlane;

    /** An agent without networking (the lifecycle alone). */
    public ShoalAgent(CuratorFramework client, Layout layout, Member member, Executor executor, Duration resync) {
        this(client, layout, member, executor, resync, Optional.empty());
    }

    /**
     * @param client a started Curator client (owned by the caller)
     * @param layout where the cluster lives in ZooKeeper
     * @param member what this node publishes (its id names the node)
     * @param executor runs the tasks (the agent closes it)
     * @param resync how often the worker inspects every task
     * @param networking the data plane's configuration, or empty for none
     */
    public ShoalAgent(
            CuratorFramework client,
            Layout layout,
            Member member,
            Executor executor,
            Duration resync,
            Optional<DataPlaneConfig> networking) {
        this.member = member;
        this.executor = executor;
        this.store = new Store(client, layout, Clock.systemUTC(), Duration.ofSeconds(30));
        this.dataPlane =
                networking.map(c -> new DataPlane(store, member.nodeId(), c)).orElse(null);
        TaskNetworking wiring = dataPlane != null ? dataPlane : TaskNetworking.NONE;
        this.worker = new Worker(store, executor, member.nodeId(), resync, Clock.systemUTC(), wiring);
        this.record = new MemberRecord(client, layout, member);
    }

    /** Loads the view, adopts running tasks, then announces the node. */
    public void start() {
        lifecycle.start();
        store.start();
        if (dataPlane != null) {
            dataPlane.start();
        }
        worker.start();
        record.start(Duration.ofSeconds(30));
        log.info("agent {}: up ({} executor)", member.nodeId(), executor.kind());
    }

    /** Leaves the cluster (member record deleted); the tasks keep running. */
    @Override
    public void close() throws IOException {
        if (!lifecycle.close()) {
            return;
        }
        try {
            record.close();
        } finally {
            worker.close();
            if (dataPlane != null) {
                dataPlane.close();
            }
            store.close();
            executor.close();
        }
    }

    public String nodeId() {
        return member.nodeId();
    }

    public Store store() {
        return store;
    }

    public Worker worker() {
        return worker;
    }

    /** The data plane, when the agent has networking. */
    public Optional<DataPlane> dataPlane() {
        return Optional.ofNullable(dataPlane);
    }
}
