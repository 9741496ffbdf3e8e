package io.shoal.controlplane.store;

import io.shoal.controlplane.Lifecycle;
import io.shoal.model.ClusterSpec;
import io.shoal.model.Json;
import io.shoal.model.Versioned;
import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shoal's state in ZooKeeper (see {@link Layout}). Reads come from an in-memory, watch-driven view
 * ({@link CuratorCache}) and are therefore eventually consistent; writes go to ZooKeeper directly,
 * name the version they change, and may be grouped in a {@link StoreTransaction}.
 *
 * <p>The store does not own the Curator client: a manager shares one client between the store,
 * leader election and membership. While the connection is lost the cache keeps serving the last
 * view (static stability); {@link #connected()} tells whether writes can currently succeed.
 */
public final class Store implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Store.class);

    private final CuratorFramework client;
    private final Layout layout;
    private final Clock clock;
    private final Duration startTimeout;
    private final Lifecycle lifecycle = new Lifecycle("store");
    private final Map<Kind<?>, Map<String, Stored<?>>> views = new ConcurrentHashMap<>();
    private final Map<Kind<?>, List<Consumer<StoreEvent<?>>>> listeners = new ConcurrentHashMap<>();
    private final CuratorCache cache;
    private final ConnectionStateListener connectionListener = this::connectionChanged;
    private volatile boolean connected = true;
    /** Connection losses seen (SUSPENDED or LOST): a transaction may have been retried across one. */
    private final AtomicLong disconnects = new AtomicLong();

    /** A store under the default root {@code /shoal}. */
    public Store(CuratorFramework client) {
        this(client, Layout.DEFAULT, Clock.systemUTC(), Duration.ofSeconds(10));
    }

    /**
     * @param client a Curator client, started or not (the caller starts and closes it)
     * @param layout where things live
     * @param clock the time written into {@code updatedAt}
     * @param startTimeout how long {@link #start()} waits for the first full view
     */
    public Store(CuratorFramework client, Layout layout, Clock clock, Duration startTimeout) {
        this(client, layout, clock, startTimeout, null);
    }

    /**
     * A store whose view holds one kind only: its cache watches that kind's folder, and reads of
     * other kinds from the view find nothing ({@link #read} and {@link #readAll} still go to
     * ZooKeeper). For a client that needs little, such as a simulated agent that watches its tasks
     * and writes their status: it is not sent every other change of the cluster.
     *
     * @param only the kind to watch
     */
    public Store(CuratorFramework client, Layout layout, Clock clock, Duration startTimeout, Kind<?> only) {
        this(client, layout, clock, startTimeout, only, null);
    }

    /**
     * A store whose view holds one object only, {@code only}/{@code onlyId}: for a worker that
     * watches its own {@link Kind#ASSIGNMENTS} list and reads the tasks it names ({@link #read}).
     *
     * @param only the kind of the object
     * @param onlyId its id
     */
    public Store(
            CuratorFramework client, Layout layout, Clock clock, Duration startTimeout, Kind<?> only, String onlyId) {
        this.client = client;
        this.layout = layout;
        this.clock = clock;
        this.startTimeout = startTimeout;
        for (Kind<?> kind : Kind.ALL) {
            views.put(kind, new ConcurrentHashMap<>());
            listeners.put(kind, new CopyOnWriteArrayList<>());
        }
        if (only == null) {
            this.cache = CuratorCache.build(client, layout.root());
        } else if (onlyId == null) {
            this.cache = CuratorCache.build(client, layout.folder(only));
        } else {
            this.cache = CuratorCache.build(client, layout.path(only, onlyId), CuratorCache.Options.SINGLE_NODE_CACHE);
        }
    }

    /**
     * Creates the folders if missing, starts the cache and waits until it holds a full view.
     *
     * @throws IllegalStateException when called twice
     * @throws StoreException when ZooKeeper cannot be reached within the start timeout
     */
    public void start() {
        lifecycle.start();
        client.getConnectionStateListenable().addListener(connectionListener);
        try {
            for (String folder : layout.folders()) {
                ensurePersistent(client, folder);
            }
            ensurePersistent(client, layout.epoch());
        } catch (Exception e) {
            throw new StoreException("store: cannot create the folders under " + layout.root() + ": " + e, e);
        }
        CountDownLatch initialized = new CountDownLatch(1);
        cache.listenable()
                .addListener(CuratorCacheListener.builder()
                        .forCreates(this::created)
                        .forChanges(this::changed)
                        .forDeletes(this::deleted)
                        .forInitialized(initialized::countDown)
                        .build());
        cache.start();
        try {
            if (!initialized.await(startTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new StoreException("store: no full view of " + layout.root() + " within " + startTimeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("store: interrupted while loading the view", e);
        }
    }

    /** Stops the cache; the Curator client stays open (it belongs to the caller). */
    @Override
    public void close() throws IOException {
        if (lifecycle.close()) {
            client.getConnectionStateListenable().removeListener(connectionListener);
            cache.close();
        }
    }

    public Lifecycle.State state() {
        return lifecycle.state();
    }

    public Layout layout() {
        return layout;
    }

    public CuratorFramework client() {
        return client;
    }

    /** False while the ZooKeeper connection is suspended or lost: reads are then possibly stale. */
    public boolean connected() {
        return connected;
    }

    // ---- reads (from the cache) ----

    /** The object as last seen by the cache. */
    @SuppressWarnings("unchecked")
    public <T> Optional<Stored<T>> find(Kind<T> kind, String id) {
        lifecycle.checkStarted();
        return Optional.ofNullable((Stored<T>) views.get(kind).get(id));
    }

    /** The value of an object as last seen by the cache. */
    public <T> Optional<T> get(Kind<T> kind, String id) {
        return find(kind, id).map(Stored::value);
    }

    /** The ids of a kind's objects as last seen by the cache. */
    public Set<String> ids(Kind<?> kind) {
        lifecycle.checkStarted();
        return Set.copyOf(views.get(kind).keySet());
    }

    /** Every object of a kind as last seen by the cache, in no particular order. */
    @SuppressWarnings("unchecked")
    public <T> List<T> list(Kind<T> kind) {
        lifecycle.checkStarted();
        List<T> out = new ArrayList<>();
        for (Stored<?> s : views.get(kind).values()) {
            out.add((T) s.value());
        }
        return out;
    }

    /** Reads an object from ZooKeeper itself, bypassing the cache. */
    public <T> Optional<Stored<T>> read(Kind<T> kind, String id) {
        Stat stat = new Stat();
        byte[] data;
        try {
            data = client.getData().storingStatIn(stat).forPath(layout.path(kind, id));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw new StoreException(kind + " " + id + ": read failed: " + e, e);
        }
        return Optional.of(Codec.decode(kind, id, data, stat));
    }

    /**
     * Reads every object of a kind from ZooKeeper itself (after a {@code sync}), bypassing the
     * cache: what a new leader restores its allocations from, since its view may still lag the
     * previous leader's last writes.
     */
    public <T> List<T> readAll(Kind<T> kind) {
        String folder = layout.folder(kind);
        List<String> ids;
        try {
            client.sync().forPath(folder);
            ids = client.getChildren().forPath(folder);
        } catch (Exception e) {
            throw new StoreException(kind + ": cannot list " + folder + ": " + e, e);
        }
        List<T> out = new ArrayList<>(ids.size());
        for (String id : ids) {
            read(kind, id).ifPresent(s -> out.add(s.value()));
        }
        return out;
    }

    /**
     * Listens to changes of one kind, in the order the cache sees them, on the cache's thread
     * (return quickly; hand work to your own executor). Changes that come faster than the cache
     * reads may be folded (an update seen only as its final value), but the last state always arrives.
     * Objects present at registration are not replayed: call {@link #list} first.
     */
    @SuppressWarnings("unchecked")
    public <T> Subscription listen(Kind<T> kind, Consumer<StoreEvent<T>> listener) {
        Consumer<StoreEvent<?>> wrapped = e -> listener.accept((StoreEvent<T>) e);
        listeners.get(kind).add(wrapped);
        return () -> listeners.get(kind).remove(wrapped);
    }

    /** A listener registration; closing it stops the events. */
    @FunctionalInterface
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    // ---- writes ----

    /** Creates a versioned object at version 0. @throws AlreadyExistsException when the id is taken */
    public <T extends Versioned<T>> T create(Kind<T> kind, T value) {
        return kind.type().cast(transaction().create(kind, value).commit().get(0));
    }

    /** Creates any object under an id. @throws AlreadyExistsException when the id is taken */
    public <T> T create(Kind<T> kind, String id, T value) {
        return kind.type().cast(transaction().create(kind, id, value).commit().get(0));
    }

    /**
     * Updates a versioned object read at {@code value.version()}; returns what was written (the next
     * version).
     *
     * @throws ConflictException when the object changed since
     * @throws NotFoundException when it was deleted
     */
    public <T extends Versioned<T>> T update(Kind<T> kind, T value) {
        return kind.type().cast(transaction().update(kind, value).commit().get(0));
    }

    /** Replaces any object if it is still at {@code expectedVersion}. */
    public <T> T update(Kind<T> kind, String id, long expectedVersion, T value) {
        return kind.type()
                .cast(transaction()
                        .update(kind, id, expectedVersion, value)
                        .commit()
                        .get(0));
    }

    /** Deletes an object if it is still at {@code expectedVersion}. */
    public void delete(Kind<?> kind, String id, long expectedVersion) {
        transaction().delete(kind, id, expectedVersion).commit();
    }

    /** A new multi-operation transaction. */
    public StoreTransaction transaction() {
        lifecycle.checkStarted();
        return new StoreTransaction(client, layout, clock, disconnects::get);
    }

    // ---- the cluster record ----

    /**
     * Writes the cluster record if there is none yet and returns the one in effect: the first
     * manager's settings win; later ones adopt them.
     */
    public ClusterSpec initCluster(ClusterSpec wanted) {
        try {
            client.create().forPath(layout.cluster(), Codec.encode(wanted));
            return wanted;
        } catch (KeeperException.NodeExistsException e) {
            return cluster().orElseThrow(() -> new StoreException("cluster record vanished while reading it"));
        } catch (Exception e) {
            throw new StoreException("cluster: cannot write " + layout.cluster() + ": " + e, e);
        }
    }

    /** The cluster record, read from ZooKeeper. */
    public Optional<ClusterSpec> cluster() {
        try {
            return Optional.of(Json.mapper().readValue(client.getData().forPath(layout.cluster()), ClusterSpec.class));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw new StoreException("cluster: cannot read " + layout.cluster() + ": " + e, e);
        }
    }

    // ---- shared helpers ----

    /**
     * Creates a persistent znode (and its parents) unless it exists. Not a container node: ZooKeeper
     * deletes empty containers, which would lose the epoch's version and break creates in a folder.
     */
    public static void ensurePersistent(CuratorFramework client, String path) throws Exception {
        try {
            client.create().creatingParentsIfNeeded().forPath(path, new byte[0]);
        } catch (KeeperException.NodeExistsException e) {
            // already there
        }
    }

    /** The data version of a znode, or -1 when it is missing or unreadable. */
    static int currentVersion(CuratorFramework client, String path) {
        try {
            Stat stat = client.checkExists().forPath(path);
            return stat == null ? -1 : stat.getVersion();
        } catch (Exception e) {
            return -1;
        }
    }

    static RuntimeException translate(
            CuratorFramework client,
            KeeperException.Code code,
            String object,
            String operation,
            String path,
            long expectedVersion,
            Exception cause) {
        return switch (code) {
            case NODEEXISTS -> new AlreadyExistsException(object);
            case NONODE -> new NotFoundException(object);
            case BADVERSION -> new ConflictException(object, operation, expectedVersion, currentVersion(client, path));
            default -> new StoreException(object + ": " + code + " (" + cause.getMessage() + ")", cause);
        };
    }

    // ---- cache → typed views ----

    private void created(ChildData data) {
        apply(data, null);
    }

    private void changed(ChildData before, ChildData after) {
        apply(after, before);
    }

    private void deleted(ChildData data) {
        Target t = target(data.getPath());
        if (t == null) {
            return;
        }
        Stored<?> old = views.get(t.kind).remove(t.id);
        if (old != null) {
            fire(t.kind, event(StoreEvent.Type.DELETED, t.kind, t.id, old, null));
        }
    }

    private void apply(ChildData data, ChildData previous) {
        Target t = target(data.getPath());
        if (t == null) {
            return;
        }
        Stored<?> decoded;
        try {
            decoded = Codec.decode(t.kind, t.id, data.getData(), data.getStat());
        } catch (StoreException e) {
            // A bad znode must not stop the view: skip it and say so.
            log.warn("store: ignoring {}: {}", data.getPath(), e.getMessage());
            return;
        }
        Stored<?> old = views.get(t.kind).put(t.id, decoded);
        StoreEvent.Type type = old == null ? StoreEvent.Type.CREATED : StoreEvent.Type.UPDATED;
        fire(t.kind, event(type, t.kind, t.id, old, decoded));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static StoreEvent<?> event(
            StoreEvent.Type type, Kind<?> kind, String id, Stored<?> before, Stored<?> after) {
        return new StoreEvent(type, kind, id, before, after);
    }

    private void fire(Kind<?> kind, StoreEvent<?> event) {
        for (Consumer<StoreEvent<?>> l : listeners.get(kind)) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                log.warn("store: a listener of {} failed on {}", kind, event.id(), e);
            }
        }
    }

    private record Target(Kind<?> kind, String id) {}

    private Target target(String path) {
        String prefix = layout.root() + "/";
        if (!path.startsWith(prefix)) {
            return null;
        }
        String rest = path.substring(prefix.length());
        int slash = rest.indexOf('/');
        if (slash < 0 || rest.indexOf('/', slash + 1) >= 0) {
            return null;
        }
        String folder = rest.substring(0, slash);
        for (Kind<?> kind : Kind.ALL) {
            if (kind.folder().equals(folder)) {
                return new Target(kind, rest.substring(slash + 1));
            }
        }
        return null;
    }

    private void connectionChanged(CuratorFramework c, ConnectionState state) {
        connected = state.isConnected();
        if (!connected) {
            disconnects.incrementAndGet();
            log.warn("store: ZooKeeper connection {}; serving the last view", state);
        } else {
            log.info("store: ZooKeeper connection {}", state);
        }
    }
}
