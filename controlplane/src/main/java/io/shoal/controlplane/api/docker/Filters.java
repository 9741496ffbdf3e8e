package io.shoal.controlplane.api.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.controlplane.api.ApiException;
import io.shoal.model.Json;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The {@code filters} query parameter of the Docker API: a JSON object of filter name → values,
 * either {@code {"name":{"web":true}}} (current clients) or {@code {"name":["web"]}} (old ones).
 * Filters a resource does not know are refused, as Docker does.
 */
record Filters(Map<String, Set<String>> values) {
    static final Filters NONE = new Filters(Map.of());

    static Filters parse(String text, Set<String> accepted) {
        if (text == null || text.isBlank()) {
            return NONE;
        }
        JsonNode n;
        try {
            n = Json.mapper().readTree(text);
        } catch (IOException e) {
            throw new ApiException(
                    400, "filters: not valid JSON: " + e.getMessage().split("\n")[0]);
        }
        if (n == null || !n.isObject()) {
            throw new ApiException(400, "filters: expected a JSON object of filter name to values");
        }
        Map<String, Set<String>> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!accepted.contains(e.getKey())) {
                throw new ApiException(
                        400, "invalid filter '" + e.getKey() + "' (accepted: " + String.join(", ", accepted) + ")");
            }
            Set<String> vals = new LinkedHashSet<>();
            JsonNode v = e.getValue();
            if (v.isObject()) {
                v.fields().forEachRemaining(x -> {
                    if (x.getValue().asBoolean()) {
                        vals.add(x.getKey());
                    }
                });
            } else if (v.isArray()) {
                v.forEach(x -> vals.add(x.asText()));
            } else {
                throw new ApiException(400, "filters." + e.getKey() + ": expected an object or an array of values");
            }
            out.put(e.getKey(), vals);
        }
        return new Filters(out);
    }

    boolean has(String key) {
        return values.containsKey(key) && !values.get(key).isEmpty();
    }

    Set<String> get(String key) {
        return values.getOrDefault(key, Set.of());
    }

    /** True when the filter is absent or one of its values is a prefix of {@code value}. */
    boolean prefix(String key, String value) {
        return !has(key) || get(key).stream().anyMatch(value::startsWith);
    }

    /** True when the filter is absent or one of its values equals {@code value}. */
    boolean exact(String key, String value) {
        return !has(key) || get(key).contains(value);
    }

    /** Docker's label filter: each value is {@code key} (present) or {@code key=value}; all must hold. */
    boolean labels(String key, Map<String, String> labels) {
        for (String want : get(key)) {
            int eq = want.indexOf('=');
            if (eq < 0
                    ? !labels.containsKey(want)
                    : !want.substring(eq + 1).equals(labels.get(want.substring(0, eq)))) {
                return false;
            }
        }
        return true;
    }
}
