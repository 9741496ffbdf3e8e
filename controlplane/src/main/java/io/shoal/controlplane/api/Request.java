package io.shoal.controlplane.api;

import java.util.List;
import java.util.Map;

/**
 * One API request, independent of the transport.
 *
 * @param method the HTTP method, upper case
 * @param path the path without the query, e.g. {@code /services/web}
 * @param query the query parameters (first value of each)
 * @param body the body bytes; empty when none
 */
public record Request(String method, String path, Map<String, String> query, byte[] body) {
    public Request {
        query = query == null ? Map.of() : Map.copyOf(query);
        body = body == null ? new byte[0] : body;
    }

    /** The path's segments: {@code /services/web/update} → [services, web, update]. */
    public List<String> segments() {
        return java.util.Arrays.stream(path.split("/"))
                .filter(s -> !s.isEmpty())
                .toList();
    }
}
