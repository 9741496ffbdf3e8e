package io.shoal.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Case-insensitive enum parsing with an error that names the field and the accepted values. */
final class Enums {
    private Enums() {}

    static <E extends Enum<E>> E parse(Class<E> type, String field, String value) {
        if (value != null) {
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(value.trim())) {
                    return e;
                }
            }
        }
        String accepted = Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
        throw new IllegalArgumentException(field + ": '" + value + "' is not one of " + accepted);
    }

    /**
     * Like {@link #parse} for enums written with dashes in JSON ({@code on-failure}, {@code
     * start-first}): accepts dashes or underscores, lists the accepted values with dashes.
     */
    static <E extends Enum<E>> E parseDashed(Class<E> type, String field, String value) {
        if (value != null) {
            String v = value.trim().replace('-', '_');
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(v)) {
                    return e;
                }
            }
        }
        String accepted =
                Arrays.stream(type.getEnumConstants()).map(Enums::dashed).collect(Collectors.joining(", "));
        throw new IllegalArgumentException(field + ": '" + value + "' is not one of " + accepted);
    }

    /** The JSON form of a dashed enum constant: lower case, underscores as dashes. */
    static String dashed(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
