package io.shoal.controlplane.api.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.controlplane.api.ApiException;
import io.shoal.controlplane.api.Request;
import io.shoal.controlplane.api.Response;
import io.shoal.controlplane.api.TasksByService;
import io.shoal.controlplane.ingress.Ingress;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Store;
import io.shoal.controlplane.store.Stored;
import io.shoal.model.Json;
import io.shoal.model.Network;
import io.shoal.model.NetworkSpec;
import io.shoal.model.Node;
import io.shoal.model.NodeSpec;
import io.shoal.model.Service;
import io.shoal.model.ServiceSpec;
import io.shoal.model.Task;
import io.shoal.model.TaskState;
import io.shoal.model.TaskStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Swarm subset of the Docker Engine API. Paths come with a version prefix ({@code /v1.41/…},
 * any version from {@link #MIN_VERSION} to {@link #VERSION}) or without one. Reads come from the
 * store's view; writes are translated into Shoal's own API requests, so that the same validation,
 * version checks and conflict rules apply to both. What Shoal does not do (secrets, configs,
 * plugins, volumes, containers…) gets a 501 that says so.
 */
public final class DockerApi {
    /** The API version served, Docker 20.10's. */
    public static final String VERSION = "1.41";
    /** The oldest API version accepted. */
    public static final String MIN_VERSION = "1.24";
    /** What the engine calls itself in {@code /version} and {@code /info}. */
    public static final String ENGINE_VERSION = "shoal-0.1.0";

    private static final Pattern SERVICE_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}");
    private static final Pattern VERSIONED = Pattern.compile("^/v(\\d+)\\.(\\d+)(/.*)?$");
    /** Unversioned paths that are Docker's only (Shoal's own API has no such first segment). */
    private static final Set<String> DOCKER_ONLY = Set.of(
            "_ping",
            "version",
            "info",
            "distribution",
            "secrets",
            "configs",
            "plugins",
            "volumes",
            "containers",
            "images",
            "build",
            "exec",
            "events",
            "session",
            "system",
            "grpc",
            "auth",
            "commit");

    private static final Map<String, String> UNSUPPORTED = Map.ofEntries(
            Map.entry("secrets", "secrets"),
            Map.entry("configs", "configs"),
            Map.entry("plugins", "plugins"),
            Map.entry("volumes", "volumes"),
            Map.entry("containers", "containers (it runs services only)"),
            Map.entry("images", "images (agents pull them)"),
            Map.entry("build", "image builds"),
            Map.entry("exec", "exec"),
            Map.entry("events", "the event stream"),
            Map.entry("session", "sessions"),
            Map.entry("system", "system commands"),
            Map.entry("grpc", "gRPC"),
            Map.entry("auth", "registry logins"),
            Map.entry("commit", "commits"),
            Map.entry("distribution", "registry look-ups (images are not resolved to digests)"));

    /** Docker's own words for init/join on a node that is in a swarm already. */
    static final String ALREADY_IN_SWARM = "This node is already part of a swarm. Use \"docker swarm leave\" to leave"
            + " this swarm and join another one.";

    private final Store store;
    private final Function<Request, Response> shoal;
    private final SwarmInfo swarm;
    private final TasksByService tasksByService;
    private final ServiceViews serviceViews = new ServiceViews();

    /**
     * @param store the manager's started store
     * @param shoal Shoal's own API, which every write is translated into
     * @param swarm the cluster-wide answers ({@code /info}, {@code /swarm}, the leader)
     */
    public DockerApi(Store store, Function<Request, Response> shoal, SwarmInfo swarm) {
        this(store, shoal, swarm, new TasksByService(store));
    }

    /**
     * @param tasksByService the tasks of each service (shared with Shoal's API)
     */
    public DockerApi(Store store, Function<Request, Response> shoal, SwarmInfo swarm, TasksByService tasksByService) {
        this.store = store;
        this.shoal = shoal;
        this.swarm = swarm;
        this.tasksByService = tasksByService;
    }

    /**
     * True when a request is for this API: a versioned path, a path only Docker has, or one of the
     * Docker forms Shoal's API spells differently ({@code POST /services/create}, {@code GET /swarm}).
     */
    public static boolean claims(Request r) {
        if (VERSIONED.matcher(r.path()).matches()) {
            return true;
        }
        List<String> p = r.segments();
        if (p.isEmpty()) {
            return false;
        }
        if (DOCKER_ONLY.contains(p.get(0))) {
            return true;
        }
        boolean create =
                p.size() == 2 && p.get(1).equals("create") && r.method().equals("POST");
        return (create && (p.get(0).equals("services") || p.get(0).equals("networks")))
                || (p.size() == 1 && p.get(0).equals("swarm"))
                || (p.size() == 2 && p.get(0).equals("tasks"));
    }

    /** Serves one request; errors are thrown as {@link ApiException} (the caller shapes them). */
    public Response handle(Request r) {
        String path = r.path();
        Matcher m = VERSIONED.matcher(path);
        if (m.matches()) {
            checkVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
            path = m.group(3) == null ? "/" : m.group(3);
        }
        Request inner = new Request(r.method(), path, r.query(), r.body());
        return route(inner).withHeader("API-Version", VERSION).withHeader("Server", "Shoal/" + ENGINE_VERSION);
    }

    private static void checkVersion(int major, int minor) {
        int[] max = {1, 41};
        int[] min = {1, 24};
        if (major > max[0] || (major == max[0] && minor > max[1])) {
            throw new ApiException(
                    400,
                    "client version " + major + "." + minor + " is too new. Maximum supported API version is "
                            + VERSION);
        }
        if (major < min[0] || (major == min[0] && minor < min[1])) {
            throw new ApiException(
                    400,
                    "client version " + major + "." + minor + " is too old. Minimum supported API version is "
                            + MIN_VERSION + ", please upgrade your client to a newer version");
        }
    }

    private Response route(Request r) {
        List<String> p = r.segments();
        String m = r.method();
        String first = p.isEmpty() ? "" : p.get(0);
        int n = p.size();
        switch (first) {
            case "_ping":
                if (m.equals("GET") || m.equals("HEAD")) {
                    return Response.text(200, "text/plain; charset=utf-8", "OK")
                            .withHeader("Docker-Experimental", "false")
                            .withHeader("OSType", "linux")
                            .withHeader("Swarm", "active/manager")
                            .withHeader("Cache-Control", "no-cache, no-store, must-revalidate")
                            .withHeader("Pragma", "no-cache");
                }
                break;
            case "version":
                return get(m, () -> swarm.version());
            case "info":
                return get(m, () -> swarm.info());
            case "swarm":
                if (n == 1) {
                    return get(m, () -> swarm.inspect());
                }
                if (n == 2 && m.equals("POST") && p.get(1).equals("init")) {
                    throw new ApiException(
                            503,
                            ALREADY_IN_SWARM
                                    + " (Shoal: this manager already runs a cluster; more managers join it with"
                                    + " shoal-manager --zookeeper <the ensemble>)");
                }
                if (n == 2 && m.equals("POST") && p.get(1).equals("join")) {
                    throw new ApiException(
                            503,
                            ALREADY_IN_SWARM
                                    + " (Shoal: a node joins by running its agent: shoald --node-id <id> --zookeeper"
                                    + " <manager>:2181 --join-token <token>; make a token with shoal swarm join-token"
                                    + " --rotate worker)");
                }
                if (n == 2 && m.equals("POST") && p.get(1).equals("leave")) {
                    throw new ApiException(
                            503,
                            "You are attempting to leave the swarm on a node that is participating as a manager."
                                    + " Shoal: a manager leaves by stopping shoal-manager, a worker by stopping"
                                    + " shoald (then 'docker node rm' it); --force changes nothing");
                }
                if (n == 2 && m.equals("POST") && p.get(1).equals("update")) {
                    throw new ApiException(
                            501,
                            "Shoal does not support changing the swarm's settings through the Docker API; rotate"
                                    + " join tokens with 'shoal swarm join-token --rotate worker|manager'");
                }
                if (n == 2 && p.get(1).equals("unlockkey") || n == 2 && p.get(1).equals("unlock")) {
                    throw new ApiException(501, "Shoal does not support autolock (its state is in ZooKeeper)");
                }
                throw new ApiException(
                        501, "Shoal does not support " + m + " /swarm/" + String.join("/", p.subList(1, n)));
            case "services":
                if (n == 1) {
                    onlyGet(m);
                    return listServices(r);
                }
                if (n == 2 && p.get(1).equals("create")) {
                    return post(m, () -> createService(r));
                }
                if (n == 2) {
                    if (m.equals("DELETE")) {
                        return deleteService(p.get(1));
                    }
                    return get(m, () -> DockerViews.service(service(p.get(1)), null));
                }
                if (n == 3 && p.get(2).equals("update")) {
                    return post(m, () -> updateService(p.get(1), r));
                }
                if (n == 3 && p.get(2).equals("logs")) {
                    throw new ApiException(501, "Shoal does not support service logs (read them on the node)");
                }
                break;
            case "tasks":
                if (n == 1) {
                    return get(m, () -> listTasks(r));
                }
                if (n == 2) {
                    return get(m, () -> taskView(task(p.get(1)), networksById()));
                }
                if (n == 3 && p.get(2).equals("logs")) {
                    throw new ApiException(501, "Shoal does not support task logs (read them on the node)");
                }
                break;
            case "nodes":
                if (n == 1) {
                    return get(m, () -> listNodes(r));
                }
                if (n == 2) {
                    if (m.equals("DELETE")) {
                        return deleteNode(p.get(1), r);
                    }
                    return get(m, () -> DockerViews.node(node(p.get(1)), swarm.leaderNodeId(), ENGINE_VERSION));
                }
                if (n == 3 && p.get(2).equals("update")) {
                    return post(m, () -> updateNode(p.get(1), r));
                }
                break;
            case "networks":
                if (n == 1) {
                    return get(m, () -> listNetworks(r));
                }
                if (n == 2 && p.get(1).equals("create")) {
                    return post(m, () -> createNetwork(r));
                }
                if (n == 2 && p.get(1).equals("prune")) {
                    throw new ApiException(501, "Shoal does not support network prune (remove networks by name)");
                }
                if (n == 2) {
                    if (m.equals("DELETE")) {
                        return deleteNetwork(p.get(1));
                    }
                    return get(m, () -> DockerViews.network(network(p.get(1))));
                }
                if (n == 3 && (p.get(2).equals("connect") || p.get(2).equals("disconnect"))) {
                    throw new ApiException(
                            501,
                            "Shoal does not support connecting containers to networks (services"
                                    + " join networks through their spec)");
                }
                break;
            default:
                if (UNSUPPORTED.containsKey(first)) {
                    throw new ApiException(501, "Shoal does not support " + UNSUPPORTED.get(first));
                }
                break;
        }
        throw new ApiException(404, "page not found: " + m + " " + r.path());
    }

    private static Response get(String method, java.util.function.Supplier<Object> body) {
        onlyGet(method);
        return Response.json(200, body.get());
    }

    private static void onlyGet(String method) {
        if (!method.equals("GET") && !method.equals("HEAD")) {
            throw new ApiException(405, "method " + method + " not allowed here; use GET");
        }
    }

    private static Response post(String method, java.util.function.Supplier<Response> action) {
        if (!method.equals("POST")) {
            throw new ApiException(405, "method " + method + " not allowed here; use POST");
        }
        return action.get();
    }

    // ---- lookups: exact id, exact name, then a unique id prefix (Docker's rules) ----

    private static <T> T find(List<T> all, String ref, Function<T, String> id, Function<T, String> name, String kind) {
        for (T t : all) {
            if (id.apply(t).equals(ref)) {
                return t;
            }
        }
        for (T t : all) {
            if (name.apply(t).equals(ref)) {
                return t;
            }
        }
        List<T> byPrefix = all.stream().filter(t -> id.apply(t).startsWith(ref)).toList();
        if (byPrefix.size() == 1) {
            return byPrefix.get(0);
        }
        if (byPrefix.size() > 1) {
            throw new ApiException(400, kind + " " + ref + " is ambiguous (" + byPrefix.size() + " matches found)");
        }
        throw new ApiException(404, kind + " " + ref + " not found");
    }

    /**
     * A service as ZooKeeper has it now: a client that just updated it (and polls for progress, as
     * {@code docker service update} does) must see its own write, not this manager's lagging view.
     */
    private Service service(String ref) {
        Service known;
        Optional<Service> direct = store.get(Kind.SERVICES, ref);
        if (direct.isPresent()) {
            known = direct.get();
        } else {
            try {
                known = find(store.list(Kind.SERVICES), ref, Service::id, Service::name, "service");
            } catch (ApiException e) {
                if (e.status() != 404) {
                    throw e;
                }
                // Not in the view yet: the name's claim or the id, read from ZooKeeper; a scan
                // only for services made before names were claimed.
                if (SERVICE_NAME.matcher(ref).matches()) {
                    Optional<Service> fresh = store.read(Kind.SERVICE_NAMES, ref)
                            .map(c -> c.value().id())
                            .or(() -> Optional.of(ref))
                            .flatMap(id -> store.read(Kind.SERVICES, id))
                            .map(Stored::value);
                    if (fresh.isPresent()) {
                        return fresh.get();
                    }
                }
                return find(store.readAll(Kind.SERVICES), ref, Service::id, Service::name, "service");
            }
        }
        return store.read(Kind.SERVICES, known.id())
                .map(Stored::value)
                .orElseThrow(() -> new ApiException(404, "service " + ref + " not found"));
    }

    private Node node(String ref) {
        return store.get(Kind.NODES, ref)
                .orElseGet(() -> find(
                        store.list(Kind.NODES),
                        ref,
                        Node::id,
                        nd -> nd.spec().name().isEmpty()
                                ? nd.description().hostname()
                                : nd.spec().name(),
                        "node"));
    }

    private Network network(String ref) {
        Optional<Network> direct = store.get(Kind.NETWORKS, ref);
        if (direct.isPresent()) {
            return direct.get();
        }
        try {
            return find(store.list(Kind.NETWORKS), ref, Network::id, Network::name, "network");
        } catch (ApiException e) {
            if (e.status() != 404) {
                throw e;
            }
            return find(store.readAll(Kind.NETWORKS), ref, Network::id, Network::name, "network");
        }
    }

    /** By the id Docker clients see ({@link TaskIds}), a unique prefix of it, or Shoal's own id. */
    private Task task(String ref) {
        return store.get(Kind.TASKS, ref)
                .orElseGet(() -> find(store.list(Kind.TASKS), ref, t -> TaskIds.docker(t.id()), Task::id, "task"));
    }

    // ---- services ----

    private Response listServices(Request r) {
        Filters f = Filters.parse(r.query().get("filters"), Set.of("id", "name", "label", "mode"));
        boolean status =
                "true".equals(r.query().get("status")) || "1".equals(r.query().get("status"));
        List<Service> services = new ArrayList<>(store.list(Kind.SERVICES));
        services.removeIf(s -> !f.prefix("id", s.id())
                || !f.prefix("name", s.name())
                || !f.labels("label", s.spec().labels())
                || !f.exact("mode", s.spec().mode().global() ? "global" : "replicated"));
        services.sort(Comparator.comparing((Service s) -> s.meta().createdAt()).thenComparing(Service::id));
        Map<String, long[]> counts = null;
        if (status) {
            Map<String, long[]> byService = serviceStatus();
            counts = new HashMap<>();
            for (Service s : services) {
                long[] c = byService.getOrDefault(s.id(), new long[3]).clone();
                if (!s.spec().mode().global()) {
                    c[1] = s.spec().mode().replicas();
                }
                counts.put(s.id(), c);
            }
        }
        return new Response(200, "application/json", serviceViews.list(services, counts));
    }

    /** Per service: running tasks, tasks meant to run (global services), completed tasks. */
    private Map<String, long[]> serviceStatus() {
        Map<String, long[]> out = new HashMap<>();
        for (Task t : store.list(Kind.TASKS)) {
            long[] c = out.computeIfAbsent(t.serviceId(), k -> new long[3]);
            TaskState state = status(t).state();
            if (t.desiredState() == TaskState.RUNNING) {
                c[1]++;
                if (state == TaskState.RUNNING) {
                    c[0]++;
                }
            }
            if (state == TaskState.COMPLETE) {
                c[2]++;
            }
        }
        return out;
    }

    private Response createService(Request r) {
        ServiceSpec spec = DockerSpecs.service(DockerSpecs.body(r.body(), "service spec"));
        JsonNode created = shoalWrite(new Request("POST", "/services", Map.of(), json(spec)));
        ObjectNode out = DockerViews.object();
        out.put("ID", created.path("id").asText());
        return Response.json(201, out);
    }

    private Response updateService(String ref, Request r) {
        Service s = service(ref);
        Map<String, String> q = new LinkedHashMap<>();
        String version = r.query().get("version");
        if (version == null || version.isEmpty()) {
            throw new ApiException(400, "version: query parameter is required (the service's Version.Index)");
        }
        q.put("version", version);
        String rollback = r.query().getOrDefault("rollback", "");
        byte[] body;
        if (rollback.equals("previous")) {
            // The client sends the current spec along; Docker ignores it for a rollback, so does Shoal.
            q.put("rollback", "previous");
            body = new byte[0];
        } else if (!rollback.isEmpty()) {
            throw new ApiException(400, "rollback: '" + rollback + "' is not supported (only 'previous')");
        } else {
            ServiceSpec spec = DockerSpecs.service(DockerSpecs.body(r.body(), "service spec"));
            body = json(spec);
        }
        shoalWrite(new Request("POST", "/services/" + s.id() + "/update", q, body));
        ObjectNode out = DockerViews.object();
        out.putArray("Warnings");
        return Response.json(200, out);
    }

    private Response deleteService(String ref) {
        Service s = service(ref);
        shoalWrite(new Request("DELETE", "/services/" + s.id(), Map.of(), new byte[0]));
        return new Response(200, "application/json", new byte[0]);
    }

    // ---- tasks ----

    private TaskStatus status(Task t) {
        TaskStatus leader = t.status();
        // The agent's report is the newer word once it has moved the task on.
        return store.get(Kind.STATUS, t.id())
                .filter(s -> s.state().compareTo(leader.state()) >= 0)
                .orElse(leader);
    }

    private ObjectNode taskView(Task t, Map<String, Network> networks) {
        return DockerViews.task(t, status(t), networks::get);
    }

    private Map<String, Network> networksById() {
        Map<String, Network> out = new HashMap<>();
        for (Network n : store.list(Kind.NETWORKS)) {
            out.put(n.id(), n);
        }
        return out;
    }

    private Object listTasks(Request r) {
        Filters f = Filters.parse(
                r.query().get("filters"),
                Set.of("id", "name", "service", "node", "desired-state", "label", "_up-to-date"));
        List<Service> services = store.list(Kind.SERVICES);
        Map<String, Service> byId = new HashMap<>();
        services.forEach(s -> byId.put(s.id(), s));
        Set<String> serviceIds = null;
        if (f.has("service")) {
            serviceIds = new java.util.HashSet<>();
            for (String ref : f.get("service")) {
                try {
                    Service s = service(ref);
                    serviceIds.add(s.id());
                    byId.put(s.id(), s); // the fresh spec decides what is up to date
                } catch (ApiException e) {
                    if (e.status() != 404) {
                        throw e;
                    }
                }
            }
        }
        Set<String> nodeIds = null;
        if (f.has("node")) {
            nodeIds = new java.util.HashSet<>();
            for (String ref : f.get("node")) {
                try {
                    nodeIds.add(node(ref).id());
                } catch (ApiException e) {
                    if (e.status() != 404) {
                        throw e;
                    }
                }
            }
        }
        for (String d : f.get("desired-state")) {
            if (!Set.of("running", "shutdown", "accepted").contains(d)) {
                throw new ApiException(
                        400, "filters.desired-state: '" + d + "' is not one of running, shutdown, accepted");
            }
        }
        boolean upToDate = f.has("_up-to-date");
        Network ingress = upToDate ? Ingress.find(store.list(Kind.NETWORKS)) : null;
        List<Task> tasks = new ArrayList<>();
        List<Task> candidates;
        if (serviceIds != null) {
            candidates = new ArrayList<>();
            serviceIds.forEach(id -> candidates.addAll(tasksByService.tasks(id)));
        } else {
            candidates = store.list(Kind.TASKS);
        }
        for (Task t : candidates) {
            if (serviceIds != null && !serviceIds.contains(t.serviceId())) {
                continue;
            }
            if (nodeIds != null && !nodeIds.contains(t.nodeId())) {
                continue;
            }
            if (!f.prefix("id", t.id())
                    || !f.exact("desired-state", t.desiredState().json())) {
                continue;
            }
            Service s = byId.get(t.serviceId());
            if (f.has("name")) {
                String name = (s == null ? t.serviceId() : s.name()) + "." + (t.slot() > 0 ? t.slot() : t.nodeId());
                if (!f.prefix("name", name)) {
                    continue;
                }
            }
            // Up to date: made from the task template the service has now (with the ingress
            // network appended, as the orchestrator does for a service that publishes ports).
            if (upToDate
                    && (s == null
                            || !(t.spec().equals(s.spec().task())
                                    || t.spec().equals(Ingress.taskSpec(s.spec(), ingress))))) {
                continue;
            }
            tasks.add(t);
        }
        tasks.sort(
                Comparator.comparing(Task::serviceId).thenComparing(Task::slot).thenComparing(Task::id));
        Map<String, Network> networks = networksById();
        ArrayNode out = DockerViews.array();
        for (Task t : tasks) {
            out.add(taskView(t, networks));
        }
        return out;
    }

    // ---- nodes ----

    private Object listNodes(Request r) {
        Filters f = Filters.parse(
                r.query().get("filters"), Set.of("id", "name", "role", "membership", "label", "node.label"));
        String leader = swarm.leaderNodeId();
        List<Node> nodes = new ArrayList<>(store.list(Kind.NODES));
        nodes.removeIf(nd -> !f.prefix("id", nd.id())
                || !(f.prefix("name", nd.description().hostname())
                        || f.prefix("name", nd.spec().name()))
                || !f.exact("role", nd.spec().role().json())
                || !f.exact("membership", "accepted")
                || !f.labels("node.label", nd.spec().labels()));
        nodes.sort(
                Comparator.comparing((Node nd) -> nd.description().hostname()).thenComparing(Node::id));
        ArrayNode out = DockerViews.array();
        for (Node nd : nodes) {
            out.add(DockerViews.node(nd, leader, ENGINE_VERSION));
        }
        return out;
    }

    private Response updateNode(String ref, Request r) {
        Node nd = node(ref);
        NodeSpec spec = DockerSpecs.node(DockerSpecs.body(r.body(), "node spec"));
        String version = r.query().get("version");
        if (version == null || version.isEmpty()) {
            throw new ApiException(400, "version: query parameter is required (the node's Version.Index)");
        }
        shoalWrite(new Request("POST", "/nodes/" + nd.id() + "/update", Map.of("version", version), json(spec)));
        return new Response(200, "application/json", new byte[0]);
    }

    /**
     * Shoal's removal: only a node that is down goes (its ingress address is given back, its tasks
     * move). {@code ?force=true} does not remove a ready node: Shoal would only see it come back.
     */
    private Response deleteNode(String ref, Request r) {
        Node nd = node(ref);
        shoalWrite(new Request("DELETE", "/nodes/" + nd.id(), Map.of(), new byte[0]));
        return new Response(200, "application/json", new byte[0]);
    }

    // ---- networks ----

    private Object listNetworks(Request r) {
        Filters f = Filters.parse(
                r.query().get("filters"), Set.of("id", "name", "driver", "scope", "type", "label", "dangling"));
        List<Network> nets = new ArrayList<>(store.list(Kind.NETWORKS));
        nets.removeIf(nw -> !f.prefix("id", nw.id())
                || !(!f.has("name")
                        || f.get("name").stream().anyMatch(x -> nw.name().contains(x)))
                || !f.exact("driver", "overlay")
                || !f.exact("scope", "swarm")
                || !f.exact("type", "custom")
                || !f.labels("label", nw.spec().labels()));
        nets.sort(Comparator.comparing(Network::name));
        ArrayNode out = DockerViews.array();
        nets.forEach(nw -> out.add(DockerViews.network(nw)));
        return out;
    }

    private Response createNetwork(Request r) {
        NetworkSpec spec = DockerSpecs.network(DockerSpecs.body(r.body(), "network create request"));
        JsonNode created = shoalWrite(new Request("POST", "/networks", Map.of(), json(spec)));
        ObjectNode out = DockerViews.object();
        out.put("Id", created.path("id").asText());
        out.put("Warning", "");
        return Response.json(201, out);
    }

    private Response deleteNetwork(String ref) {
        Network nw = network(ref);
        shoalWrite(new Request("DELETE", "/networks/" + nw.id(), Map.of(), new byte[0]));
        return new Response(204, "application/json", new byte[0]);
    }

    // ---- helpers ----

    /** Sends a write to Shoal's API; its errors (already {@code {"message"}}) are rethrown as they are. */
    private JsonNode shoalWrite(Request r) {
        Response out = shoal.apply(r);
        JsonNode body;
        try {
            body = Json.mapper().readTree(out.body());
        } catch (IOException e) {
            body = DockerViews.object();
        }
        if (out.status() >= 400) {
            String message = body != null && body.has("message")
                    ? body.get("message").asText()
                    : new String(out.body(), StandardCharsets.UTF_8);
            throw new ApiException(out.status(), message);
        }
        return body == null ? DockerViews.object() : body;
    }

    private static byte[] json(Object value) {
        try {
            return Json.mapper().writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + ": " + e, e);
        }
    }
}
