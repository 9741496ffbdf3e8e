package io.shoal.controlplane.store;

import io.shoal.model.Versioned;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several writes that succeed or fail together (one ZooKeeper {@code multi}). Each update and
 * delete names the version it changes; a {@link #fencedBy fenced} transaction also checks the
 * leader epoch. Build with {@link Store#transaction()}, then {@link #commit()} once.
 */
public final class StoreTransaction {
    private static final Logger log = LoggerFactory.getLogger(StoreTransaction.class);
    private final CuratorFramework client;
    private final LongSupplier disconnects;
    private final Layout layout;
    private final Clock clock;
    private final List<CuratorOp> ops = new ArrayList<>();
    private final List<String> what = new ArrayList<>();
    private final List<Long> expected = new ArrayList<>();
    private final List<String> operations = new ArrayList<>();
    private final List<Object> results = new ArrayList<>();
    /** Per operation: does ZooKeeper now hold exactly what it would have written? */
    private final List<Landed> landed = new ArrayList<>();

    private Fence fence;
    private boolean committed;
    private int bytes;

    /**
     * @param disconnects counts the connection losses the store saw: a failure is checked for an
     *     earlier attempt's commit only when one happened while this transaction ran
     */
    StoreTransaction(CuratorFramework client, Layout layout, Clock clock, LongSupplier disconnects) {
        this.disconnects = disconnects;
        this.client = client;
        this.layout = layout;
        this.clock = clock;
    }

    /** Adds a check of the leader epoch: the whole transaction fails if the epoch moved on. */
    public StoreTransaction fencedBy(Fence value) {
        if (fence != null) {
            throw new IllegalStateException("transaction is already fenced by " + fence);
        }
        fence = Objects.requireNonNull(value, "fence");
        add(
                op(() -> client.transactionOp()
                        .check()
                        .withVersion(value.epoch())
                        .forPath(value.path())),
                "leader epoch of " + value.holder(),
                value.epoch(),
                null);
        landed.add(() -> stillAt(value.path(), value.epoch()));
        return this;
    }

    /** Creates a versioned object at version 0; fails if it exists. */
    public <T extends Versioned<T>> StoreTransaction create(Kind<T> kind, T value) {
        T v = value.withMeta(value.meta().withVersion(0));
        return create(kind, v.id(), v);
    }

    /** Creates any object under an id; fails if it exists. */
    public <T> StoreTransaction create(Kind<T> kind, String id, T value) {
        String path = layout.path(kind, id);
        byte[] data = Codec.encode(value);
        bytes += path.length() + data.length;
        add(op(() -> client.transactionOp().create().forPath(path, data)), kind + " " + id, -1, value);
        landed.add(() -> Arrays.equals(client.getData().forPath(path), data));
        return this;
    }

    /**
     * Updates a versioned object: {@code value.version()} is the version it was read at; it is
     * written as the next version with {@code updatedAt} now.
     */
    public <T extends Versioned<T>> StoreTransaction update(Kind<T> kind, T value) {
        T next = value.withMeta(value.meta().next(clock.instant()));
        return update(kind, value.id(), value.version(), next);
    }

    /** Replaces any object if its stored version is still {@code expectedVersion}. */
    public <T> StoreTransaction update(Kind<T> kind, String id, long expectedVersion, T value) {
        String path = layout.path(kind, id);
        byte[] data = Codec.encode(value);
        bytes += path.length() + data.length;
        int v = Math.toIntExact(expectedVersion);
        add(
                op(() -> client.transactionOp().setData().withVersion(v).forPath(path, data)),
                kind + " " + id,
                expectedVersion,
                value);
        landed.add(() -> {
            Stat stat = new Stat();
            byte[] now = client.getData().storingStatIn(stat).forPath(path);
            return stat.getVersion() == v + 1 && Arrays.equals(now, data);
        });
        return this;
    }

    /** Deletes an object if its stored version is still {@code expectedVersion}. */
    public StoreTransaction delete(Kind<?> kind, String id, long expectedVersion) {
        String path = layout.path(kind, id);
        int v = Math.toIntExact(expectedVersion);
        add(
                op(() -> client.transactionOp().delete().withVersion(v).forPath(path)),
                "delete",
                kind + " " + id,
                expectedVersion,
                null);
        landed.add(() -> client.checkExists().forPath(path) == null);
        return this;
    }

    /** Requires an object to still be at {@code expectedVersion}, without changing it. */
    public StoreTransaction check(Kind<?> kind, String id, long expectedVersion) {
        String path = layout.path(kind, id);
        int v = Math.toIntExact(expectedVersion);
        add(
                op(() -> client.transactionOp().check().withVersion(v).forPath(path)),
                "check",
                kind + " " + id,
                expectedVersion,
                null);
        landed.add(() -> stillAt(path, v));
        return this;
    }

    /** Number of operations so far (the epoch check included). */
    public int size() {
        return ops.size();
    }

    /**
     * Bytes of data and paths so far: close to the size of the request, which ZooKeeper refuses above
     * {@code jute.maxbuffer} (1 MiB by default).
     */
    public int bytes() {
        return bytes;
    }

    /**
     * Runs all operations atomically.
     *
     * @return the values written by creates and updates, in the order they were added
     * @throws ConflictException an update, delete or check named a stale version
     * @throws AlreadyExistsException a create found the object there
     * @throws NotFoundException an update, delete or check found no object
     * @throws FencedException the leader epoch moved on
     */
    public List<Object> commit() {
        if (committed) {
            throw new IllegalStateException("transaction already committed");
        }
        committed = true;
        if (ops.isEmpty()) {
            return List.of();
        }
        if (fence != null) {
            fence.checkHeld();
        }
        long disconnectsBefore = disconnects.getAsLong();
        try {
            client.transaction().forOperations(ops);
        } catch (KeeperException e) {
            if (disconnects.getAsLong() != disconnectsBefore && alreadyLanded(e)) {
                return written();
            }
            throw translate(e);
        } catch (Exception e) {
            throw new StoreException("transaction of " + what + " failed: " + e, e);
        }
        return written();
    }

    private List<Object> written() {
        List<Object> out = new ArrayList<>();
        for (Object r : results) {
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * Whether a transaction that failed on an existing node, a version or a missing node, after the
     * connection was lost while it ran, is in fact this one, stored by an earlier attempt: ZooKeeper
     * committed it before the loss, the answer never came, and Curator's retry then failed on what
     * the first attempt had written. It is, when every operation's result is what ZooKeeper now holds (a create's znode
     * with these very bytes, an update's at the next version with these bytes, a delete's znode
     * gone, a check's version unchanged). The bytes carry timestamps and fresh ids, so another
     * writer's equal write is not a practical concern.
     */
    private boolean alreadyLanded(KeeperException e) {
        KeeperException.Code code = e.code();
        if (code != KeeperException.Code.NODEEXISTS
                && code != KeeperException.Code.BADVERSION
                && code != KeeperException.Code.NONODE) {
            return false;
        }
        try {
            for (Landed l : landed) {
                if (!l.holds()) {
                    return false;
                }
            }
        } catch (Exception readFailed) {
            return false;
        }
        log.info("store: transaction of {} was stored by an attempt whose answer was lost", what);
        return true;
    }

    private boolean stillAt(String path, long version) throws Exception {
        Stat stat = client.checkExists().forPath(path);
        return stat != null && stat.getVersion() == version;
    }

    private interface Landed {
        boolean holds() throws Exception;
    }

    private RuntimeException translate(KeeperException e) {
        List<OpResult> rs = e.getResults();
        int failed = -1;
        KeeperException.Code code = e.code();
        if (rs != null) {
            for (int i = 0; i < rs.size(); i++) {
                if (rs.get(i) instanceof OpResult.ErrorResult err
                        && err.getErr() != KeeperException.Code.OK.intValue()
                        && err.getErr() != KeeperException.Code.RUNTIMEINCONSISTENCY.intValue()) {
                    failed = i;
                    code = KeeperException.Code.get(err.getErr());
                    break;
                }
            }
        }
        if (failed < 0) {
            return new StoreException("transaction of " + what + " failed: " + e.getMessage(), e);
        }
        String object = what.get(failed);
        if (fence != null && failed == 0) {
            int now = Store.currentVersion(client, fence.path());
            return new FencedException("write refused: " + fence.holder() + " led epoch " + fence.epoch()
                    + " but the epoch is now " + (now < 0 ? "unknown" : Integer.toString(now)));
        }
        return Store.translate(
                client, code, object, operations.get(failed), layoutPath(failed), expected.get(failed), e);
    }

    private String layoutPath(int index) {
        return ops.get(index).getTypeAndPath().getForPath();
    }

    private void add(CuratorOp op, String object, long expectedVersion, Object result) {
        add(op, "update", object, expectedVersion, result);
    }

    private void add(CuratorOp op, String operation, String object, long expectedVersion, Object result) {
        if (committed) {
            throw new IllegalStateException("transaction already committed");
        }
        ops.add(op);
        what.add(object);
        operations.add(operation);
        expected.add(expectedVersion);
        results.add(result);
    }

    private interface OpMaker {
        CuratorOp make() throws Exception;
    }

    private static CuratorOp op(OpMaker maker) {
        try {
            return maker.make();
        } catch (Exception e) {
            throw new StoreException("cannot build operation: " + e.getMessage(), e);
        }
    }
}
