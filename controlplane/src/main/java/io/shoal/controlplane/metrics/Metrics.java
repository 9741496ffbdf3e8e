package io.shoal.controlplane.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The control plane's counters and gauges, kept by hand and written in the Prometheus text format.
 * Names follow {@code shoal_controlplane_<thing>_<unit>}; counters end in {@code _total}.
 */
public final class Metrics {
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    private record Entry(String help, String type, LongAdder counter, LongSupplier gauge) {}

    /** The counter with this name (created on first use); {@code name} must end in {@code _total}. */
    public LongAdder counter(String name, String help) {
        if (!name.startsWith("shoal_controlplane_") || !name.endsWith("_total")) {
            throw new IllegalArgumentException("counter name: '" + name + "' must be shoal_controlplane_..._total");
        }
        return entries.computeIfAbsent(name, n -> new Entry(help, "counter", new LongAdder(), null))
                .counter();
    }

    /** Registers (or replaces) a gauge read when the metrics are written. */
    public void gauge(String name, String help, LongSupplier value) {
        if (!name.startsWith("shoal_controlplane_")) {
            throw new IllegalArgumentException("gauge name: '" + name + "' must start with shoal_controlplane_");
        }
        entries.put(name, new Entry(help, "gauge", null, value));
    }

    /** The current value of a counter or gauge; 0 when it does not exist. */
    public long value(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            return 0;
        }
        return e.counter() != null ? e.counter().sum() : e.gauge().getAsLong();
    }

    /** Everything in the Prometheus text exposition format (version 0.0.4), sorted by name. */
    public String prometheusText() {
        StringBuilder out = new StringBuilder();
        new TreeMap<>(entries).forEach((name, e) -> {
            out.append("# HELP ").append(name).append(' ').append(e.help()).append('\n');
            out.append("# TYPE ").append(name).append(' ').append(e.type()).append('\n');
            long v = e.counter() != null ? e.counter().sum() : e.gauge().getAsLong();
            out.append(name).append(' ').append(v).append('\n');
        });
        return out.toString();
    }
}
