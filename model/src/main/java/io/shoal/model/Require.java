package io.shoal.model;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Argument checks for the records of this package; every message starts with the field it names. */
final class Require {
    /** Names of services, networks, nodes: Docker's rule. */
    static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

    static final Pattern ID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

    private Require() {}

    static String notBlank(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + ": must not be empty");
        }
        return value;
    }

    static <T> T notNull(String field, T value) {
        if (value == null) {
            throw new IllegalArgumentException(field + ": must be given");
        }
        return value;
    }

    static String name(String field, String value, int maxLength) {
        notBlank(field, value);
        if (!NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(field + ": '" + value + "' must match " + NAME.pattern());
        }
        if (value.length() > maxLength) {
            throw new IllegalArgumentException(
                    field + ": '" + value + "' is " + value.length() + " characters, at most " + maxLength);
        }
        return value;
    }

    static String id(String field, String value) {
        notBlank(field, value);
        if (!ID.matcher(value).matches() || value.length() > 128) {
            throw new IllegalArgumentException(
                    field + ": '" + value + "' must match " + ID.pattern() + " (at most 128 characters)");
        }
        return value;
    }

    static long atLeast(String field, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(field + ": " + value + " must be >= " + min);
        }
        return value;
    }

    static long between(String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + ": " + value + " is outside " + min + ".." + max);
        }
        return value;
    }

    static double between(String field, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(field + ": " + value + " is outside " + min + ".." + max);
        }
        return value;
    }

    static java.time.Duration nonNegative(String field, java.time.Duration value, java.time.Duration dflt) {
        if (value == null) {
            return dflt;
        }
        if (value.isNegative()) {
            throw new IllegalArgumentException(field + ": " + value + " must not be negative");
        }
        return value;
    }

    static <T> List<T> list(List<T> value) {
        return value == null ? List.of() : List.copyOf(value);
    }

    static Map<String, String> labels(String field, Map<String, String> value) {
        if (value == null) {
            return Map.of();
        }
        for (Map.Entry<String, String> e : value.entrySet()) {
            if (e.getKey() == null || e.getKey().isBlank()) {
                throw new IllegalArgumentException(field + ": a label key must not be empty");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException(field + ": label '" + e.getKey() + "' has no value");
            }
        }
        return Map.copyOf(value);
    }
}
