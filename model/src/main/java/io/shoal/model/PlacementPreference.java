package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Spread a service's tasks evenly over the values of a node attribute, e.g. {@code
 * node.labels.zone}: the scheduler first balances between zones, then within each. Written in JSON
 * as {@code spread=node.labels.zone}, the form of {@code --placement-pref}.
 *
 * @param spread the node attribute to spread over
 */
public record PlacementPreference(String spread) {
    public PlacementPreference {
        Require.notBlank("placement preference", spread);
        spread = spread.trim();
        if (!spread.startsWith("node.labels.") || spread.length() == "node.labels.".length()) {
            throw new IllegalArgumentException("placement preference: '" + spread + "' must be node.labels.<name>");
        }
    }

    /** Parses {@code spread=node.labels.zone} (or the bare key). */
    @JsonCreator
    public static PlacementPreference parse(String text) {
        Require.notBlank("placement preference", text);
        String t = text.trim();
        return new PlacementPreference(t.startsWith("spread=") ? t.substring("spread=".length()) : t);
    }

    /** The label name spread over ({@code zone} for {@code node.labels.zone}). */
    public String label() {
        return spread.substring("node.labels.".length());
    }

    @JsonValue
    @Override
    public String toString() {
        return "spread=" + spread;
    }
}
