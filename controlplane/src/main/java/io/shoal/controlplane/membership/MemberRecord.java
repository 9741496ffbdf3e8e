package io.shoal.controlplane.membership;

import io.shoal.controlplane.Lifecycle;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Layout;
import io.shoal.controlplane.store.StoreException;
import io.shoal.model.Json;
import io.shoal.model.Member;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;

/**
 * The agent's side of membership: an ephemeral znode at {@code /shoal/members/<node id>} that lives
 * as long as the agent's ZooKeeper session. Curator's {@link PersistentNode} re-creates it after a
 * session expiry, so a node that was only cut off for a moment comes back by itself.
 */
public final class MemberRecord implements Closeable {
    private final Lifecycle lifecycle = new Lifecycle("member record");
    private final PersistentNode node;
    private final String path;

    /**
     * @param client the agent's Curator client (owned by the caller)
     * @param layout where members live
     * @param member what to publish
     */
    public MemberRecord(CuratorFramework client, Layout layout, Member member) {
        this.path = layout.path(Kind.MEMBERS, member.nodeId());
        this.node = new PersistentNode(client, CreateMode.EPHEMERAL, false, path, encode(member));
    }

    /**
     * Starts keeping the record and waits until it first exists.
     *
     * @throws StoreException when it could not be created within {@code timeout}
     */
    public void start(Duration timeout) {
        lifecycle.start();
        node.start();
        try {
            if (!node.waitForInitialCreate(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new StoreException("member record " + path + " was not created within " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("member record " + path + ": interrupted while creating", e);
        }
    }

    /** Replaces the published record (new addresses or resources). */
    public void update(Member member) {
        lifecycle.checkStarted();
        try {
            node.setData(encode(member));
        } catch (Exception e) {
            throw new StoreException("member record " + path + ": cannot update: " + e, e);
        }
    }

    /** Deletes the record: the leader sees the node leave. */
    @Override
    public void close() throws IOException {
        if (lifecycle.close()) {
            node.close();
        }
    }

    public String path() {
        return path;
    }

    private static byte[] encode(Member member) {
        try {
            return Json.mapper().writeValueAsBytes(member);
        } catch (IOException e) {
            throw new StoreException("member " + member.nodeId() + ": cannot encode: " + e, e);
        }
    }
}
