package io.shoal.agent.e2e;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.model.Json;
import io.shoal.model.Network;
import io.shoal.model.NetworkSpec;
import io.shoal.model.Node;
import io.shoal.model.NodeAvailability;
import io.shoal.model.Service;
import io.shoal.model.ServiceSpec;
import io.shoal.model.Task;
import io.shoal.model.TaskStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A small client for Shoal's own HTTP API (controlplane {@code Api}), spoken over the manager's unix
 * socket. Bodies are the model's records in their JSON form, so a test builds a {@link ServiceSpec}
 * exactly as a user's tool would send it.
 */
public final class ShoalApi {
    /** An answer with status 4xx/5xx: the API's {@code message} and the status. */
    public static final class ApiError extends RuntimeException {
        private final int status;

        ApiError(String request, int status, String message) {
            super(request + " -> " + status + ": " + message);
            this.status = status;
        }

        /** The HTTP status, e.g. 400 or 409. */
        public int status() {
            return status;
        }
    }

    private final UnixHttp http;

    /** A client of the API on unix socket {@code socket}. */
    public ShoalApi(Path socket) {
        this.http = new UnixHttp(socket, Duration.ofSeconds(15));
    }

    /** Sends a request as is; for tests of the API's own answers. */
    public UnixHttp.Answer raw(String method, String path, String jsonBody) {
        return http.exchange(method, path, jsonBody == null ? null : jsonBody.getBytes(StandardCharsets.UTF_8));
    }

    /** True when {@code GET /healthz} answers 200 (ZooKeeper connected). */
    public boolean healthy() {
        try {
            return raw("GET", "/healthz", null).status() == 200;
        } catch (RuntimeException e) {
            return false;
        }
    }

    // ---- services ----

    /** Creates a service; returns its id. */
    public String createService(ServiceSpec spec) {
        return call("POST", "/services", spec).get("id").asText();
    }

    /** The service called (or with id) {@code nameOrId}. */
    public Service service(String nameOrId) {
        return read(call("GET", "/services/" + enc(nameOrId), null), Service.class);
    }

    /** Every service. */
    public List<Service> services() {
        return read(call("GET", "/services", null), new TypeReference<List<Service>>() {});
    }

    /**
     * Replaces the spec of a service with {@code change(current spec)}, naming the version it read. The
     * manager reads from its view, which may lag its own writes: a 409 (stale version) is retried
     * with a fresh read for up to {@link #CONFLICT_RETRY}.
     */
    public void updateService(String nameOrId, UnaryOperator<ServiceSpec> change) {
        retryOnConflict(() -> {
            Service s = service(nameOrId);
            call("POST", "/services/" + s.id() + "/update?version=" + s.version(), change.apply(s.spec()));
        });
    }

    /** Sets the replica count of a replicated service. */
    public void scale(String nameOrId, long replicas) {
        updateService(nameOrId, spec -> spec.withReplicas(replicas));
    }

    /** Removes a service (its tasks are shut down by the leader). */
    public void removeService(String nameOrId) {
        call("DELETE", "/services/" + enc(nameOrId), null);
    }

    // ---- tasks ----

    /** The tasks of one service (by name or id), with the agents' reports. */
    public List<TaskView> tasks(String service) {
        return taskViews(call("GET", "/tasks?service=" + enc(service), null));
    }

    /** Every task. */
    public List<TaskView> tasks() {
        return taskViews(call("GET", "/tasks", null));
    }

    private static List<TaskView> taskViews(JsonNode array) {
        List<TaskView> out = new ArrayList<>();
        for (JsonNode n : array) {
            ObjectNode task = ((ObjectNode) n).deepCopy();
            JsonNode reported = task.remove("reportedStatus");
            out.add(new TaskView(
                    read(task, Task.class),
                    reported == null || reported.isNull()
                            ? Optional.empty()
                            : Optional.of(read(reported, TaskStatus.class))));
        }
        return out;
    }

    // ---- nodes ----

    /** Every node the control plane knows. */
    public List<Node> nodes() {
        return read(call("GET", "/nodes", null), new TypeReference<List<Node>>() {});
    }

    /** The node with id (or host name) {@code nodeId}. */
    public Node node(String nodeId) {
        return read(call("GET", "/nodes/" + enc(nodeId), null), Node.class);
    }

    /**
     * Sets a node's availability (active, pause, drain), as {@code docker node update --availability};
     * a 409 (stale version) is retried as {@link #updateService} does.
     */
    public void setAvailability(String nodeId, NodeAvailability availability) {
        retryOnConflict(() -> {
            Node n = node(nodeId);
            call(
                    "POST",
                    "/nodes/" + n.id() + "/update?version=" + n.version(),
                    n.spec().withAvailability(availability));
        });
    }

    // ---- networks ----

    /** Creates a network; returns its id. */
    public String createNetwork(NetworkSpec spec) {
        return call("POST", "/networks", spec).get("id").asText();
    }

    /** The network called (or with id) {@code nameOrId}. */
    public Network network(String nameOrId) {
        return read(call("GET", "/networks/" + enc(nameOrId), null), Network.class);
    }

    /** Every network. */
    public List<Network> networks() {
        return read(call("GET", "/networks", null), new TypeReference<List<Network>>() {});
    }

    /** Removes a network. */
    public void removeNetwork(String nameOrId) {
        call("DELETE", "/networks/" + enc(nameOrId), null);
    }

    // ---- plumbing ----

    /** How long an update retries a version conflict. */
    static final Duration CONFLICT_RETRY = Duration.ofSeconds(10);

    private static void retryOnConflict(Runnable update) {
        try {
            org.awaitility.Awaitility.await()
                    .atMost(CONFLICT_RETRY)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(100))
                    .ignoreExceptionsMatching(e -> e instanceof ApiError a && a.status() == 409)
                    .until(() -> {
                        update.run();
                        return true;
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new ApiError(
                    "update", 409, "still a version conflict after " + CONFLICT_RETRY + ": " + e.getMessage());
        }
    }

    private JsonNode call(String method, String path, Object body) {
        byte[] bytes;
        try {
            bytes = body == null ? null : Json.mapper().writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("body of " + method + " " + path + ": cannot write JSON: " + e, e);
        }
        UnixHttp.Answer a = http.exchange(method, path, bytes);
        JsonNode json;
        try {
            json = a.body().isEmpty() ? Json.mapper().nullNode() : Json.mapper().readTree(a.body());
        } catch (JsonProcessingException e) {
            throw new ApiError(method + " " + path, a.status(), "answer is not JSON: " + a.body());
        }
        if (a.status() >= 400) {
            throw new ApiError(
                    method + " " + path,
                    a.status(),
                    json.has("message") ? json.get("message").asText() : a.body());
        }
        return json;
    }

    private static <T> T read(JsonNode json, Class<T> type) {
        try {
            return Json.mapper().treeToValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot read " + type.getSimpleName() + " from " + json + ": " + e, e);
        }
    }

    private static <T> T read(JsonNode json, TypeReference<T> type) {
        try {
            return Json.mapper()
                    .treeToValue(json, Json.mapper().getTypeFactory().constructType(type));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot read " + type.getType() + " from " + json + ": " + e, e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
