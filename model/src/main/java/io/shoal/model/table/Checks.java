package io.shoal.model.table;

/** Argument checks whose messages name the field. */
final class Checks {
    private Checks() {}

    static String notBlank(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be empty");
        }
        return value;
    }
}
