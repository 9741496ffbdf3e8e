package io.shoal.controlplane.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.shoal.model.Json;
import java.io.IOException;
import java.util.stream.Collectors;

/**
 * Reads request bodies strictly (unknown fields are errors) and turns every way a body can be
 * wrong into a 400 whose message names the field.
 */
final class JsonBodies {
    private JsonBodies() {}

    static <T> T read(byte[] body, Class<T> type, String what) {
        if (body == null || body.length == 0) {
            throw ApiException.badRequest("body: a JSON " + what + " is required");
        }
        ObjectReader reader = Json.mapper()
                .readerFor(type)
                .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                // A field left out takes its default (false, 0), as in the Docker API.
                .without(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        try {
            T value = reader.readValue(body);
            if (value == null) {
                throw ApiException.badRequest("body: a JSON " + what + " is required, got null");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            String at = path(e);
            throw ApiException.badRequest("unknown field '" + e.getPropertyName() + "'"
                    + (at.contains(".") ? " in " + at.substring(0, at.lastIndexOf('.')) : "") + " of the " + what);
        } catch (JsonMappingException e) {
            Throwable cause = rootCause(e);
            if (cause instanceof IllegalArgumentException || cause instanceof IllegalStateException) {
                // The records validate in their constructors and name the field themselves.
                throw ApiException.badRequest(cause.getMessage());
            }
            String at = path(e);
            throw ApiException.badRequest(
                    (at.isEmpty() ? "body" : at) + ": " + e.getOriginalMessage().replaceAll("\\s+", " "));
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("body: not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("body: cannot be read: " + e.getMessage());
        }
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
