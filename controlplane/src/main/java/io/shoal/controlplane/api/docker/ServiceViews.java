package io.shoal.controlplane.api.docker;

import io.shoal.model.Json;
import io.shoal.model.Service;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /services} for many services: each service's Docker JSON is rendered once per stored
 * value and kept, so a listing of 1,000 services that did not change writes bytes instead of
 * building and serialising 1,000 trees. The status counts ({@code ?status=true}) change with the
 * tasks and are spliced in per request.
 */
final class ServiceViews {
    private record Rendered(Service service, byte[] json) {}

    private final Map<String, Rendered> byId = new ConcurrentHashMap<>();

    /** The JSON array of {@code services}, in order, each with its counts when {@code counts} is given. */
    byte[] list(List<Service> services, Map<String, long[]> counts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(services.size() * 1024 + 2);
        out.write('[');
        boolean first = true;
        for (Service s : services) {
            if (!first) {
                out.write(',');
            }
            first = false;
            byte[] json = rendered(s);
            if (counts == null) {
                out.writeBytes(json);
            } else {
                long[] c = counts.get(s.id());
                // The rendered object ends with '}': add the status as its last member.
                out.write(json, 0, json.length - 1);
                out.writeBytes((",\"ServiceStatus\":{\"RunningTasks\":" + c[0] + ",\"DesiredTasks\":" + c[1]
                                + ",\"CompletedTasks\":" + c[2] + "}}")
                        .getBytes(StandardCharsets.US_ASCII));
            }
        }
        out.write(']');
        if (byId.size() > 2 * services.size() + 64) {
            // Forget services that are gone (a listing always names every current one).
            java.util.Set<String> live = new java.util.HashSet<>();
            services.forEach(s -> live.add(s.id()));
            byId.keySet().retainAll(live);
        }
        return out.toByteArray();
    }

    private byte[] rendered(Service s) {
        Rendered r = byId.get(s.id());
        if (r != null && r.service().equals(s)) {
            return r.json();
        }
        try {
            byte[] json = Json.mapper().writeValueAsBytes(DockerViews.service(s, null));
            byId.put(s.id(), new Rendered(s, json));
            return json;
        } catch (IOException e) {
            throw new IllegalStateException("service " + s.id() + ": cannot write its view: " + e, e);
        }
    }
}
