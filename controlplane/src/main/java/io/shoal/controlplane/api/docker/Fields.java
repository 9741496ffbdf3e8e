package io.shoal.controlplane.api.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import io.shoal.controlplane.api.ApiException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A JSON object of a Docker request read field by field, with the path of every field known so that
 * errors name it ({@code TaskTemplate.ContainerSpec.Image}). Keys match case-insensitively, as Go's
 * JSON decoder does. After reading, {@link #finish} refuses any field that was not read and carries
 * a value: Shoal never silently drops part of a request. Empty values ({@code null}, {@code ""},
 * {@code 0}, {@code false}, {@code []}, {@code {}}) are what the Docker client sends for options left
 * unset, so they pass.
 */
final class Fields {
    private final String path;
    private final Map<String, Map.Entry<String, JsonNode>> byLowerKey = new LinkedHashMap<>();
    private final Set<String> read = new LinkedHashSet<>();

    private Fields(String path, JsonNode node) {
        this.path = path;
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            byLowerKey.put(e.getKey().toLowerCase(Locale.ROOT), e);
        }
    }

    /** The object at {@code path}; null or missing reads as an empty object. */
    static Fields of(String path, JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return new Fields(path, com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode());
        }
        if (!node.isObject()) {
            throw bad(path, "expected an object, got " + describe(node));
        }
        return new Fields(path, node);
    }

    String path() {
        return path;
    }

    String at(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** The raw value, or null when absent or JSON null; marks the field read. */
    JsonNode raw(String key) {
        read.add(key.toLowerCase(Locale.ROOT));
        Map.Entry<String, JsonNode> e = byLowerKey.get(key.toLowerCase(Locale.ROOT));
        return e == null || e.getValue().isNull() ? null : e.getValue();
    }

    boolean has(String key) {
        JsonNode n = byLowerKey.containsKey(key.toLowerCase(Locale.ROOT))
                ? byLowerKey.get(key.toLowerCase(Locale.ROOT)).getValue()
                : null;
        return n != null && !n.isNull();
    }

    Fields object(String key) {
        return of(at(key), raw(key));
    }

    String string(String key) {
        JsonNode n = raw(key);
        if (n == null) {
            return "";
        }
        if (!n.isTextual()) {
            throw bad(at(key), "expected a string, got " + describe(n));
        }
        return n.asText();
    }

    long number(String key) {
        JsonNode n = raw(key);
        if (n == null) {
            return 0;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw bad(at(key), "expected an integer, got " + describe(n));
        }
        return n.asLong();
    }

    double decimal(String key) {
        JsonNode n = raw(key);
        if (n == null) {
            return 0;
        }
        if (!n.isNumber()) {
            throw bad(at(key), "expected a number, got " + describe(n));
        }
        return n.asDouble();
    }

    boolean bool(String key) {
        JsonNode n = raw(key);
        if (n == null) {
            return false;
        }
        if (!n.isBoolean()) {
            throw bad(at(key), "expected true or false, got " + describe(n));
        }
        return n.asBoolean();
    }

    /** A Go {@code time.Duration}: integer nanoseconds; null when absent. */
    Duration nanos(String key) {
        JsonNode n = raw(key);
        if (n == null) {
            return null;
        }
        long v = number(key);
        if (v < 0) {
            throw bad(at(key), v + " ns must not be negative");
        }
        return Duration.ofNanos(v);
    }

    /** A Go {@code time.Duration} whose zero means "the default": null for absent or 0. */
    Duration nanosOrDefault(String key) {
        Duration d = nanos(key);
        return d == null || d.isZero() ? null : d;
    }

    List<String> strings(String key) {
        JsonNode n = raw(key);
        List<String> out = new ArrayList<>();
        if (n == null) {
            return out;
        }
        if (!n.isArray()) {
            throw bad(at(key), "expected an array of strings, got " + describe(n));
        }
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isTextual()) {
                throw bad(at(key) + "[" + i + "]", "expected a string, got " + describe(n.get(i)));
            }
            out.add(n.get(i).asText());
        }
        return out;
    }

    Map<String, String> labels(String key) {
        JsonNode n = raw(key);
        Map<String, String> out = new LinkedHashMap<>();
        if (n == null) {
            return out;
        }
        if (!n.isObject()) {
            throw bad(at(key), "expected an object of strings, got " + describe(n));
        }
        Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw bad(at(key) + "." + e.getKey(), "expected a string, got " + describe(e.getValue()));
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    /** The objects of an array field. */
    List<Fields> objects(String key) {
        JsonNode n = raw(key);
        List<Fields> out = new ArrayList<>();
        if (n == null) {
            return out;
        }
        if (!n.isArray()) {
            throw bad(at(key), "expected an array, got " + describe(n));
        }
        for (int i = 0; i < n.size(); i++) {
            out.add(of(at(key) + "[" + i + "]", n.get(i)));
        }
        return out;
    }

    /** A field Shoal knows but does not implement: refused when it carries a value. */
    void unsupported(String key, String what) {
        JsonNode n = raw(key);
        if (n != null && !empty(n)) {
            throw new ApiException(400, at(key) + ": " + what + " are not supported by Shoal");
        }
    }

    /** Refuses every field not read that carries a value. */
    void finish() {
        for (Map.Entry<String, Map.Entry<String, JsonNode>> e : byLowerKey.entrySet()) {
            if (!read.contains(e.getKey()) && !empty(e.getValue().getValue())) {
                throw bad(at(e.getValue().getKey()), "unknown or unsupported field (Shoal cannot honour it)");
            }
        }
    }

    static boolean empty(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return true;
        }
        if (n.getNodeType() == JsonNodeType.STRING) {
            return n.asText().isEmpty();
        }
        if (n.isNumber()) {
            return n.asDouble() == 0;
        }
        if (n.isBoolean()) {
            return !n.asBoolean();
        }
        if (n.isArray()) {
            for (JsonNode c : n) {
                if (!empty(c)) {
                    return false;
                }
            }
            return true;
        }
        if (n.isObject()) {
            Iterator<JsonNode> it = n.elements();
            while (it.hasNext()) {
                if (!empty(it.next())) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    static ApiException bad(String path, String message) {
        return new ApiException(400, (path.isEmpty() ? "body" : path) + ": " + message);
    }

    private static String describe(JsonNode n) {
        String text = n.toString();
        return n.getNodeType().name().toLowerCase(Locale.ROOT) + " "
                + (text.length() > 40 ? text.substring(0, 40) + "…" : text);
    }
}
