package io.shoal.controlplane.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.controlplane.api.docker.DockerApi;
import io.shoal.controlplane.api.docker.SwarmInfo;
import io.shoal.controlplane.ingress.Ingress;
import io.shoal.controlplane.join.JoinTokens;
import io.shoal.controlplane.metrics.Metrics;
import io.shoal.controlplane.store.AlreadyExistsException;
import io.shoal.controlplane.store.ConflictException;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.NameClaim;
import io.shoal.controlplane.store.NotFoundException;
import io.shoal.controlplane.store.Store;
import io.shoal.controlplane.store.StoreException;
import io.shoal.controlplane.store.Stored;
import io.shoal.model.Cidr;
import io.shoal.model.Json;
import io.shoal.model.Meta;
import io.shoal.model.Network;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.NetworkSpec;
import io.shoal.model.Node;
import io.shoal.model.NodeRole;
import io.shoal.model.NodeSpec;
import io.shoal.model.NodeState;
import io.shoal.model.PortConfig;
import io.shoal.model.PublishMode;
import io.shoal.model.Service;
import io.shoal.model.ServiceSpec;
import io.shoal.model.Task;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shoal's own JSON API over the store, independent of the transport ({@link ApiServer} serves it
 * over HTTP). Errors are {@code {"message": "…"}} with 400 (bad input, naming the field), 403 (bad
 * join token), 404, 409 (name taken, stale version, in use) or 503 (ZooKeeper unreachable).
 *
 * <p>Writes go straight to ZooKeeper from whichever manager received them, version-checked: the
 * store is the single source of truth, so there is nothing to forward. The reconcilers run only on
 * the leader and pick the change up from its watch. Reads come from this manager's view of the store
 * (eventually consistent, like the Docker API on a follower), except that an update reads the object
 * from ZooKeeper to check the version it names.
 */
public final class Api {
    private static final Logger log = LoggerFactory.getLogger(Api.class);
    private static final String ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789";
    /** What a service name may look like (a name claim's znode name). */
    private static final java.util.regex.Pattern NAME =
            java.util.regex.Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}");

    private final Store store;
    private final Metrics metrics;
    private final BooleanSupplier leader;
    private final Supplier<JoinTokens> tokens;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final LongAdder requests;
    private final LongAdder errors;
    private final LongAdder writes;
    private final DockerApi docker;
    private final TasksByService tasksByService;

    /** An API that does not know this manager's id (the Docker API's {@code /info} reports none). */
    public Api(Store store, Metrics metrics, BooleanSupplier leader, Supplier<JoinTokens> tokens, Clock clock) {
        this(store, metrics, leader, tokens, clock, "");
    }

    /**
     * @param store a started store
     * @param metrics counters to keep and to serve at {@code /metrics}
     * @param leader whether this manager leads now (for {@code /healthz})
     * @param tokens the cluster's join tokens (read when a join is checked)
     * @param clock time for object metas
     * @param managerId this manager's id, reported as the local node by the Docker API's {@code /info}
     */
    public Api(
            Store store,
            Metrics metrics,
            BooleanSupplier leader,
            Supplier<JoinTokens> tokens,
            Clock clock,
            String managerId) {
        this.store = store;
        this.metrics = metrics;
        this.leader = leader;
        this.tokens = tokens;
        this.clock = clock;
        this.requests = metrics.counter("shoal_controlplane_api_requests_total", "API requests served");
        this.errors = metrics.counter("shoal_controlplane_api_errors_total", "API requests answered with 4xx/5xx");
        this.writes = metrics.counter(
                "shoal_controlplane_api_writes_total", "Objects created, updated or deleted through the API");
        this.tasksByService = new TasksByService(store);
        this.docker = new DockerApi(store, this::serve, new SwarmInfo(store, managerId), tasksByService);
        metrics.gauge("shoal_controlplane_leader", "1 when this manager leads", () -> leader.getAsBoolean() ? 1 : 0);
        metrics.gauge("shoal_controlplane_services", "Services in this manager's view", () -> store.list(Kind.SERVICES)
                .size());
        metrics.gauge("shoal_controlplane_tasks", "Tasks in this manager's view", () -> store.list(Kind.TASKS)
                .size());
        metrics.gauge("shoal_controlplane_nodes", "Nodes in this manager's view", () -> store.list(Kind.NODES)
                .size());
    }

    /**
     * Serves one request; never throws. Versioned paths ({@code /v1.41/…}) and paths only the Docker
     * Engine API has go to {@link DockerApi}; the rest is Shoal's own API.
     */
    public Response handle(Request r) {
        requests.increment();
        Response out;
        if (DockerApi.claims(r)) {
            try {
                out = docker.handle(r);
            } catch (RuntimeException e) {
                out = failure(r, e).withHeader("API-Version", DockerApi.VERSION);
            }
        } else {
            out = serve(r);
        }
        if (out.status() >= 400) {
            errors.increment();
        }
        return out;
    }

    /** Shoal's own API: one request, errors as {@code {"message"}} responses. */
    private Response serve(Request r) {
        try {
            return route(r);
        } catch (RuntimeException e) {
            return failure(r, e);
        }
    }

    private static Response failure(Request r, RuntimeException thrown) {
        Response out;
        try {
            throw thrown;
        } catch (ApiException e) {
            out = Response.error(e.status(), e.getMessage());
        } catch (ConflictException | AlreadyExistsException e) {
            out = Response.error(409, e.getMessage());
        } catch (NotFoundException e) {
            out = Response.error(404, e.getMessage());
        } catch (IllegalArgumentException e) {
            out = Response.error(400, e.getMessage());
        } catch (StoreException e) {
            out = Response.error(503, "store: " + e.getMessage());
        } catch (RuntimeException e) {
            log.warn("api: {} {} failed", r.method(), r.path(), e);
            out = Response.error(500, "internal error: " + e);
        }
        return out;
    }

    private Response route(Request r) {
        List<String> p = r.segments();
        String m = r.method();
        String first = p.isEmpty() ? "" : p.get(0);
        switch (first) {
            case "healthz":
                return only(m, "GET", () -> health());
            case "metrics":
                return only(m, "GET", () -> Response.text(200, "text/plain; version=0.0.4", metrics.prometheusText()));
            case "services":
                if (p.size() == 1) {
                    return m.equals("GET")
                            ? Response.json(200, listServices())
                            : only(m, "POST", () -> createService(r));
                }
                if (p.size() == 2) {
                    return m.equals("GET")
                            ? Response.json(200, service(p.get(1)))
                            : only(m, "DELETE", () -> deleteService(p.get(1)));
                }
                if (p.size() == 3 && p.get(2).equals("update")) {
                    return only(m, "POST", () -> updateService(p.get(1), r));
                }
                break;
            case "tasks":
                if (p.size() == 1) {
                    return only(
                            m, "GET", () -> Response.json(200, tasks(r.query().get("service"))));
                }
                break;
            case "nodes":
                if (p.size() == 1) {
                    return only(m, "GET", () -> Response.json(200, sorted(store.list(Kind.NODES))));
                }
                if (p.size() == 2) {
                    return m.equals("GET")
                            ? Response.json(200, node(p.get(1)))
                            : only(m, "DELETE", () -> deleteNode(p.get(1)));
                }
                if (p.size() == 3 && p.get(2).equals("update")) {
                    return only(m, "POST", () -> updateNode(p.get(1), r));
                }
                break;
            case "networks":
                if (p.size() == 1) {
                    return m.equals("GET")
                            ? Response.json(200, sorted(store.list(Kind.NETWORKS)))
                            : only(m, "POST", () -> createNetwork(r));
                }
                if (p.size() == 2) {
                    return m.equals("GET")
                            ? Response.json(200, network(p.get(1)))
                            : only(m, "DELETE", () -> deleteNetwork(p.get(1)));
                }
                break;
            case "swarm":
                if (p.size() == 2 && p.get(1).equals("join")) {
                    return only(m, "POST", () -> join(r));
                }
                if (p.size() == 2 && p.get(1).equals("join-token")) {
                    return only(m, "POST", () -> rotateJoinToken(r));
                }
                break;
            default:
                break;
        }
        throw ApiException.notFound("no such endpoint: " + m + " " + r.path());
    }

    private static Response only(String method, String allowed, Supplier<Response> action) {
        if (!method.equals(allowed)) {
            throw new ApiException(405, "method " + method + " not allowed here; use " + allowed);
        }
        return action.get();
    }

    // ---- health ----

    private Response health() {
        Map<String, Object> body = new LinkedHashMap<>();
        boolean connected = store.connected();
        body.put("status", connected ? "ok" : "zookeeper unreachable");
        body.put("leader", leader.getAsBoolean());
        body.put("connected", connected);
        return Response.json(connected ? 200 : 503, body);
    }

    // ---- services ----

    private List<Service> listServices() {
        return sorted(store.list(Kind.SERVICES));
    }

    private Service service(String idOrName) {
        return findService(idOrName).orElseThrow(() -> ApiException.notFound("service '" + idOrName + "' not found"));
    }

    /**
     * By id or name: from the view, and when it is not there from ZooKeeper itself, so that a client
     * reads its own writes even while this manager's view lags.
     */
    private Optional<Service> findService(String idOrName) {
        Optional<Service> inView = store.get(Kind.SERVICES, idOrName).or(() -> store.list(Kind.SERVICES).stream()
                .filter(s -> s.name().equals(idOrName))
                .findFirst());
        if (inView.isPresent()) {
            return inView;
        }
        Optional<Service> byId = store.read(Kind.SERVICES, idOrName).map(Stored::value);
        if (byId.isPresent()) {
            return byId;
        }
        Optional<Service> claimed = claimedBy(idOrName);
        if (claimed.isPresent()) {
            return claimed;
        }
        // Services created before names were claimed have no claim: scan (only when nothing matched).
        return store.readAll(Kind.SERVICES).stream()
                .filter(s -> s.name().equals(idOrName))
                .findFirst();
    }

    /** The service that holds a name's claim, read from ZooKeeper (one or two reads). */
    private Optional<Service> claimedBy(String name) {
        if (!NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        return store.read(Kind.SERVICE_NAMES, name)
                .flatMap(c -> store.read(Kind.SERVICES, c.value().id()))
                .map(Stored::value);
    }

    private Response createService(Request r) {
        ServiceSpec spec = JsonBodies.read(r.body(), ServiceSpec.class, "service spec");
        // The name's claim (one read) and the view; no scan of ZooKeeper. The claim created with
        // the service below is what makes two racing creates of one name fail but one.
        store.read(Kind.SERVICE_NAMES, spec.name())
                .map(c -> c.value().id())
                .or(() -> store.list(Kind.SERVICES).stream()
                        .filter(s -> s.name().equals(spec.name()))
                        .map(Service::id)
                        .findFirst())
                .ifPresent(id -> {
                    throw nameInUse(spec.name(), id);
                });
        checkNetworks(spec);
        checkPorts(spec, null);
        Service made = Service.created(Meta.created(newId(), clock.instant()), spec);
        Service created;
        try {
            created = (Service) store.transaction()
                    .create(Kind.SERVICES, made)
                    .create(Kind.SERVICE_NAMES, spec.name(), new NameClaim(made.id()))
                    .commit()
                    .get(0);
        } catch (AlreadyExistsException e) {
            String holder = store.read(Kind.SERVICE_NAMES, spec.name())
                    .map(c -> c.value().id())
                    .orElse("(being created)");
            throw nameInUse(spec.name(), holder);
        }
        writes.increment();
        awaitInView(created.id(), created.version());
        return Response.json(201, Map.of("id", created.id(), "version", created.version()));
    }

    private Response updateService(String idOrName, Request r) {
        long version = version(r);
        Service known = service(idOrName);
        Stored<Service> stored = store.read(Kind.SERVICES, known.id())
                .orElseThrow(() -> ApiException.notFound("service '" + idOrName + "' not found"));
        if (stored.version() != version) {
            throw ApiException.conflict("service " + known.id() + ": update names version " + version
                    + " but the stored version is " + stored.version());
        }
        Service current = stored.value();
        Service next;
        String rollback = r.query().getOrDefault("rollback", "");
        if (rollback.equals("previous")) {
            if (r.body().length > 0) {
                throw ApiException.badRequest("body: must be empty with rollback=previous");
            }
            if (current.previousSpec() == null) {
                throw ApiException.badRequest("rollback: service '" + current.name() + "' has no previous spec");
            }
            next = current.rolledBack(clock.instant(), "rollback requested through the API");
        } else if (!rollback.isEmpty()) {
            throw ApiException.badRequest("rollback: '" + rollback + "' is not supported (only 'previous')");
        } else {
            ServiceSpec spec = JsonBodies.read(r.body(), ServiceSpec.class, "service spec");
            if (!spec.name().equals(current.name())) {
                throw ApiException.badRequest(
                        "name: a service cannot be renamed ('" + current.name() + "' → '" + spec.name() + "')");
            }
            if (spec.mode().global() != current.spec().mode().global()) {
                throw ApiException.badRequest("mode: cannot change between replicated and global");
            }
            checkNetworks(spec);
            checkPorts(spec, current.id());
            next = current.updatedTo(spec, clock.instant());
        }
        Service written =
                store.update(Kind.SERVICES, next.withMeta(current.meta().withVersion(version)));
        writes.increment();
        awaitInView(written.id(), written.version());
        return Response.json(200, Map.of("id", written.id(), "version", written.version()));
    }

    private Response deleteService(String idOrName) {
        Service s = service(idOrName);
        // A removal names no version, but the leader may write the service (its endpoint, its
        // update status) between our read and our delete: read again and retry then.
        for (int attempt = 1; ; attempt++) {
            Stored<Service> stored = store.read(Kind.SERVICES, s.id())
                    .orElseThrow(() -> ApiException.notFound("service '" + idOrName + "' not found"));
            var delete = store.transaction().delete(Kind.SERVICES, s.id(), stored.version());
            store.read(Kind.SERVICE_NAMES, s.name())
                    .filter(c -> c.value().id().equals(s.id()))
                    .ifPresent(c -> delete.delete(Kind.SERVICE_NAMES, s.name(), c.version()));
            try {
                delete.commit();
                break;
            } catch (ConflictException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
        writes.increment();
        awaitGoneFromView(s.id());
        return Response.json(200, Map.of("id", s.id()));
    }

    /**
     * Reads come from the view; so that the client that removed a service does not find it again
     * in its next listing, wait (briefly) until the view has seen the removal.
     */
    private void awaitGoneFromView(String id) {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (store.get(Kind.SERVICES, id).isPresent() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Reads come from the view; so that the client that created or updated a service finds what it
     * wrote in its next read (as a Docker user expects of {@code update} then {@code inspect}),
     * wait (briefly) until the view holds that version or a later one.
     */
    private void awaitInView(String id, long version) {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (store.get(Kind.SERVICES, id).map(s -> s.version() < version).orElse(true)
                && System.nanoTime() < deadline) {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static ApiException nameInUse(String name, String id) {
        return ApiException.conflict("service name '" + name + "' is already in use by service " + id);
    }

    private void checkNetworks(ServiceSpec spec) {
        List<NetworkAttachmentConfig> nets = spec.task().networks();
        for (int i = 0; i < nets.size(); i++) {
            String target = nets.get(i).target();
            Optional<Network> found = findNetwork(target);
            if (found.isEmpty()) {
                throw ApiException.badRequest("task.networks[" + i + "].target: network '" + target + "' not found");
            }
            if (found.get().spec().ingress()) {
                throw ApiException.badRequest("task.networks[" + i + "].target: '" + target
                        + "' is the ingress network; a service that publishes ports is attached to it implicitly");
            }
        }
    }

    /** An ingress published port may be used by one service only (host-mode ports are per node). */
    private void checkPorts(ServiceSpec spec, String self) {
        List<PortConfig> ports = spec.endpoint().ports();
        for (int i = 0; i < ports.size(); i++) {
            PortConfig p = ports.get(i);
            if (!p.isPublished() || p.publishMode() != PublishMode.INGRESS) {
                continue;
            }
            for (Service other : store.readAll(Kind.SERVICES)) {
                if (other.id().equals(self)) {
                    continue;
                }
                boolean taken = other.spec().endpoint().ports().stream().anyMatch(o -> same(o, p))
                        || other.endpoint().ports().stream().anyMatch(o -> same(o, p));
                if (taken) {
                    throw ApiException.badRequest("endpoint.ports[" + i + "]: published port " + p.publishedPort() + "/"
                            + p.protocol().json() + " is already used by service '" + other.name() + "'");
                }
            }
        }
    }

    private static boolean same(PortConfig a, PortConfig b) {
        return a.publishMode() == PublishMode.INGRESS
                && a.publishedPort() == b.publishedPort()
                && a.protocol() == b.protocol();
    }

    // ---- tasks ----

    private List<ObjectNode> tasks(String service) {
        List<Task> tasks;
        if (service != null && !service.isEmpty()) {
            String id = findService(service).map(Service::id).orElse(service);
            tasks = new ArrayList<>(tasksByService.tasks(id));
        } else {
            tasks = new ArrayList<>(store.list(Kind.TASKS));
        }
        tasks.sort(
                Comparator.comparing(Task::serviceId).thenComparing(Task::slot).thenComparing(Task::id));
        List<ObjectNode> out = new ArrayList<>();
        for (Task t : tasks) {
            ObjectNode node = Json.mapper().valueToTree(t);
            // The agent's report, when there is one, beside the leader's record.
            store.get(Kind.STATUS, t.id())
                    .ifPresent(st -> node.set("reportedStatus", Json.mapper().valueToTree(st)));
            out.add(node);
        }
        return out;
    }

    // ---- nodes ----

    private Node node(String idOrName) {
        return store.get(Kind.NODES, idOrName)
                .or(() -> store.list(Kind.NODES).stream()
                        .filter(n -> n.description().hostname().equals(idOrName))
                        .findFirst())
                .orElseThrow(() -> ApiException.notFound("node '" + idOrName + "' not found"));
    }

    private Response updateNode(String idOrName, Request r) {
        long version = version(r);
        NodeSpec spec = JsonBodies.read(r.body(), NodeSpec.class, "node spec");
        Node known = node(idOrName);
        Stored<Node> stored = store.read(Kind.NODES, known.id())
                .orElseThrow(() -> ApiException.notFound("node '" + idOrName + "' not found"));
        if (stored.version() != version) {
            throw ApiException.conflict("node " + known.id() + ": update names version " + version
                    + " but the stored version is " + stored.version());
        }
        Node written = store.update(
                Kind.NODES,
                stored.value().withSpec(spec).withMeta(stored.value().meta().withVersion(version)));
        writes.increment();
        return Response.json(200, Map.of("id", written.id(), "version", written.version()));
    }

    /**
     * Removes a node that is down (as {@code docker node rm} without {@code --force}): its ingress
     * address is given back and its tasks are replaced elsewhere by the leader.
     */
    private Response deleteNode(String idOrName) {
        Node known = node(idOrName);
        Stored<Node> stored = store.read(Kind.NODES, known.id())
                .orElseThrow(() -> ApiException.notFound("node '" + idOrName + "' not found"));
        if (stored.value().status().state() == NodeState.READY
                || store.read(Kind.MEMBERS, known.id()).isPresent()) {
            throw ApiException.conflict(
                    "node " + known.id() + " is ready; only a node that is down can be removed (stop its agent first)");
        }
        store.delete(Kind.NODES, known.id(), stored.version());
        writes.increment();
        return Response.json(200, Map.of("id", known.id()));
    }

    // ---- networks ----

    /** By id or name: from the view, else from ZooKeeper (see {@link #findService}). */
    private Optional<Network> findNetwork(String idOrName) {
        Optional<Network> inView = store.get(Kind.NETWORKS, idOrName).or(() -> store.list(Kind.NETWORKS).stream()
                .filter(n -> n.spec().name().equals(idOrName))
                .findFirst());
        if (inView.isPresent()) {
            return inView;
        }
        return store.read(Kind.NETWORKS, idOrName).map(Stored::value).or(() -> store.readAll(Kind.NETWORKS).stream()
                .filter(n -> n.spec().name().equals(idOrName))
                .findFirst());
    }

    private Network network(String idOrName) {
        return findNetwork(idOrName).orElseThrow(() -> ApiException.notFound("network '" + idOrName + "' not found"));
    }

    private Response createNetwork(Request r) {
        NetworkSpec spec = JsonBodies.read(r.body(), NetworkSpec.class, "network spec");
        findNetwork(spec.name()).ifPresent(n -> {
            throw ApiException.conflict("network name '" + spec.name() + "' is already in use by network " + n.id());
        });
        if (spec.ingress()) {
            Network existing = Ingress.find(store.readAll(Kind.NETWORKS));
            if (existing != null) {
                throw ApiException.conflict("ingress: the cluster already has an ingress network ('"
                        + existing.spec().name() + "'); remove it first");
            }
        }
        if (spec.subnet() != null) {
            for (Network n : store.readAll(Kind.NETWORKS)) {
                Cidr theirs = n.subnet() != null ? n.subnet() : n.spec().subnet();
                if (theirs != null && theirs.overlaps(spec.subnet())) {
                    throw ApiException.badRequest("subnet: " + spec.subnet() + " overlaps " + theirs + " of network '"
                            + n.spec().name() + "'");
                }
            }
        }
        Network created =
                store.create(Kind.NETWORKS, Network.unallocated(Meta.created(newId(), clock.instant()), spec));
        writes.increment();
        awaitInView(created.id(), created.version());
        return Response.json(201, Map.of("id", created.id(), "version", created.version()));
    }

    private Response deleteNetwork(String idOrName) {
        Network n = network(idOrName);
        if (n.spec().ingress()) {
            for (Service s : store.readAll(Kind.SERVICES)) {
                if (Ingress.publishes(s.spec())) {
                    throw ApiException.conflict("network '" + n.spec().name()
                            + "' is the ingress network and service '" + s.name()
                            + "' publishes ports through it; remove the service or its published ports first");
                }
            }
        }
        for (Service s : store.readAll(Kind.SERVICES)) {
            for (NetworkAttachmentConfig a : s.spec().task().networks()) {
                if (a.target().equals(n.id()) || a.target().equals(n.spec().name())) {
                    throw ApiException.conflict(
                            "network '" + n.spec().name() + "' is in use by service '" + s.name() + "'");
                }
            }
        }
        Stored<Network> stored = store.read(Kind.NETWORKS, n.id())
                .orElseThrow(() -> ApiException.notFound("network '" + idOrName + "' not found"));
        store.delete(Kind.NETWORKS, n.id(), stored.version());
        writes.increment();
        return Response.json(200, Map.of("id", n.id()));
    }

    // ---- join ----

    /** A join request's body. @param token the join token */
    record JoinRequest(String token) {}

    private Response join(Request r) {
        JoinRequest req = JsonBodies.read(r.body(), JoinRequest.class, "join request");
        NodeRole role;
        try {
            role = tokens.get().verify(req.token());
        } catch (IllegalArgumentException e) {
            throw new ApiException(403, e.getMessage());
        }
        return Response.json(200, Map.of("role", role.json()));
    }

    /** A join-token rotation request. @param role worker or manager */
    record RotateRequest(String role) {}

    /**
     * Makes a new join token for one role and stores its digest in place of the old one (the other
     * role's token stays valid). Tokens are never stored, so this is the only way to show one again.
     */
    private Response rotateJoinToken(Request r) {
        RotateRequest req = JsonBodies.read(r.body(), RotateRequest.class, "join-token request");
        NodeRole role = NodeRole.parse(req.role() == null ? "" : req.role());
        String path = JoinTokens.jointokensPath(store.layout());
        try {
            org.apache.zookeeper.data.Stat stat = new org.apache.zookeeper.data.Stat();
            JoinTokens.Digests old = Json.mapper()
                    .readValue(store.client().getData().storingStatIn(stat).forPath(path), JoinTokens.Digests.class);
            JoinTokens.Tokens fresh = JoinTokens.generate(random);
            JoinTokens.Digests made = JoinTokens.digests(fresh);
            JoinTokens.Digests next = role == NodeRole.WORKER
                    ? new JoinTokens.Digests(made.worker(), old.manager())
                    : new JoinTokens.Digests(old.worker(), made.manager());
            try {
                store.client()
                        .setData()
                        .withVersion(stat.getVersion())
                        .forPath(path, Json.mapper().writeValueAsBytes(next));
            } catch (org.apache.zookeeper.KeeperException.BadVersionException e) {
                // Curator retries a write whose answer was lost; the retry then sees our own write
                // as a newer version. Only someone else's write is a conflict.
                JoinTokens.Digests now =
                        Json.mapper().readValue(store.client().getData().forPath(path), JoinTokens.Digests.class);
                if (!now.equals(next)) {
                    throw e;
                }
            }
            writes.increment();
            return Response.json(
                    200,
                    Map.of("role", role.json(), "token", role == NodeRole.WORKER ? fresh.worker() : fresh.manager()));
        } catch (org.apache.zookeeper.KeeperException.BadVersionException e) {
            throw ApiException.conflict("join tokens: rotated concurrently by another request; try again");
        } catch (org.apache.zookeeper.KeeperException.NoNodeException e) {
            throw ApiException.notFound("join tokens: none yet (the cluster was not initialised)");
        } catch (ApiException e) {
            throw e;
        } catch (Exception e) {
            throw new StoreException("join tokens: cannot rotate at " + path + ": " + e, e);
        }
    }

    // ---- helpers ----

    private static long version(Request r) {
        String v = r.query().get("version");
        if (v == null || v.isEmpty()) {
            throw ApiException.badRequest("version: query parameter is required (the version the update is based on)");
        }
        try {
            long n = Long.parseLong(v);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("version: '" + v + "' is not a non-negative integer");
        }
    }

    private String newId() {
        StringBuilder b = new StringBuilder(25);
        for (int i = 0; i < 25; i++) {
            b.append(ID_CHARS.charAt(random.nextInt(ID_CHARS.length())));
        }
        return b.toString();
    }

    private static <T extends io.shoal.model.Versioned<T>> List<T> sorted(List<T> values) {
        List<T> out = new ArrayList<>(values);
        out.sort(Comparator.comparing(v -> v.meta().createdAt()));
        return out;
    }
}
