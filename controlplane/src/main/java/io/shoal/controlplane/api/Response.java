package io.shoal.controlplane.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.shoal.model.Json;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the API answers: a status, a content type and a body.
 *
 * @param status the HTTP status
 * @param contentType the body's media type
 * @param body the body bytes
 * @param headers further response headers (e.g. the Docker API's {@code API-Version})
 */
public record Response(int status, String contentType, byte[] body, Map<String, String> headers) {
    static final String JSON = "application/json";

    public Response {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    /** A response without extra headers. */
    public Response(int status, String contentType, byte[] body) {
        this(status, contentType, body, Map.of());
    }

    /** This response with one more header. */
    public Response withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new Response(status, contentType, body, h);
    }

    /** A JSON body: any record or collection, written with Shoal's one mapping. */
    public static Response json(int status, Object value) {
        try {
            return new Response(status, JSON, Json.mapper().writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response: cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** An error in the Docker API's shape: {@code {"message": "…"}}. */
    public static Response error(int status, String message) {
        return json(status, Map.of("message", message));
    }

    public static Response text(int status, String contentType, String body) {
        return new Response(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    /** The body as text (for tests and logs). */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
