package io.shoal.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.model.Json;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options every listing shares: {@code -q}, {@code --format table|json}, {@code --no-trunc}. */
final class Output {
    @Option(
            names = {"-q", "--quiet"},
            description = "Only print IDs")
    boolean quiet;

    @Option(names = "--format", description = "table (default) or json", defaultValue = "table")
    String format;

    @Option(names = "--no-trunc", description = "Do not truncate IDs")
    boolean noTrunc;

    String id(String id) {
        return noTrunc || id.length() <= 12 ? id : id.substring(0, 12);
    }

    /** Rows: column name → value, in order; the first column is the id printed by {@code -q}. */
    void print(PrintStream out, List<String> columns, List<Map<String, Object>> rows) {
        if (!format.equals("table") && !format.equals("json")) {
            throw new Shoal.UsageError("--format: '" + format + "' is not one of table, json");
        }
        if (quiet) {
            rows.forEach(r -> out.println(r.get(columns.get(0))));
            return;
        }
        if (format.equals("json")) {
            ArrayNode a = Json.mapper().createArrayNode();
            for (Map<String, Object> r : rows) {
                ObjectNode o = a.addObject();
                r.forEach((k, v) -> o.set(key(k), Json.mapper().valueToTree(v)));
            }
            try {
                out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(a));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            return;
        }
        int[] width = new int[columns.size()];
        List<List<String>> cells = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            width[i] = columns.get(i).length();
        }
        for (Map<String, Object> r : rows) {
            List<String> line = new ArrayList<>();
            for (int i = 0; i < columns.size(); i++) {
                Object v = r.get(columns.get(i));
                String s = v instanceof List<?> l
                        ? String.join(",", l.stream().map(String::valueOf).toList())
                        : String.valueOf(v == null ? "" : v);
                line.add(s);
                width[i] = Math.max(width[i], s.length());
            }
            cells.add(line);
        }
        out.println(line(columns, width));
        cells.forEach(l -> out.println(line(l, width)));
    }

    private static String line(List<String> values, int[] width) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            b.append(v);
            if (i < values.size() - 1) {
                b.append(" ".repeat(width[i] - v.length() + 3));
            }
        }
        return b.toString().stripTrailing();
    }

    /** A column header as a JSON key: {@code CURRENT STATE} → {@code currentState}. */
    static String key(String column) {
        String[] words = column.toLowerCase(java.util.Locale.ROOT).split(" ");
        StringBuilder b = new StringBuilder(words[0]);
        for (int i = 1; i < words.length; i++) {
            b.append(Character.toUpperCase(words[i].charAt(0))).append(words[i].substring(1));
        }
        return b.toString();
    }

    static Map<String, Object> row(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
