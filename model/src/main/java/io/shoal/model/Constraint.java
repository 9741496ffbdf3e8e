package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * A placement constraint such as {@code node.labels.zone==a} or {@code node.role!=manager}.
 * Written in JSON as that string.
 *
 * <p>Keys: {@code node.id}, {@code node.hostname}, {@code node.role}, {@code node.labels.<name>}.
 * Values compare case-insensitively, except {@code node.id} which is exact. A constraint on a label
 * the node lacks matches with {@code !=} and fails with {@code ==}.
 *
 * @param key the attribute, e.g. {@code node.labels.zone}
 * @param equal true for {@code ==}, false for {@code !=}
 * @param value the value compared against
 */
public record Constraint(String key, boolean equal, String value) {
    private static final String LABELS = "node.labels.";

    public Constraint {
        Require.notBlank("constraint key", key);
        value = Require.notNull("constraint value", value).trim();
        key = key.trim();
        boolean known = key.equals("node.id")
                || key.equals("node.hostname")
                || key.equals("node.role")
                || (key.startsWith(LABELS) && key.length() > LABELS.length());
        if (!known) {
            throw new IllegalArgumentException("constraint: unknown key '" + key
                    + "' (expected node.id, node.hostname, node.role or node.labels.<name>)");
        }
        if (value.isEmpty()) {
            throw new IllegalArgumentException("constraint: '" + key + "' needs a value");
        }
        if (key.equals("node.role")) {
            NodeRole.parse(value);
        }
    }

    /** Parses {@code key==value} or {@code key!=value}. */
    @JsonCreator
    public static Constraint parse(String text) {
        Require.notBlank("constraint", text);
        int ne = text.indexOf("!=");
        int eq = text.indexOf("==");
        if (ne < 0 && eq < 0) {
            throw new IllegalArgumentException("constraint: '" + text + "' must be <key>==<value> or <key>!=<value>");
        }
        boolean equal = eq >= 0 && (ne < 0 || eq < ne);
        int at = equal ? eq : ne;
        return new Constraint(text.substring(0, at), equal, text.substring(at + 2));
    }

    /** True when the node satisfies this constraint. */
    public boolean matches(Node node) {
        String actual =
                switch (key) {
                    case "node.id" -> node.id();
                    case "node.hostname" -> node.description().hostname();
                    case "node.role" -> node.spec().role().json();
                    default -> node.spec().labels().get(key.substring(LABELS.length()));
                };
        boolean same;
        if (actual == null) {
            same = false;
        } else if (key.equals("node.id")) {
            same = actual.equals(value);
        } else {
            same = actual.toLowerCase(Locale.ROOT).equals(value.toLowerCase(Locale.ROOT));
        }
        return same == equal;
    }

    @JsonValue
    @Override
    public String toString() {
        return key + (equal ? "==" : "!=") + value;
    }
}
