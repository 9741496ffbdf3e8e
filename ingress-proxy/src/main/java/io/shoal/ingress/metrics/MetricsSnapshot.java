package io.shoal.ingress.metrics;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** Every sample of the mesh at one moment; the agent will serve it over HTTP. */
public record MetricsSnapshot(List<Sample> samples) {
    public MetricsSnapshot {
        samples = List.copyOf(samples);
    }

    /** The value of {@code name} with exactly {@code labels}, if present. */
    public Optional<Double> value(String name, String labels) {
        return samples.stream()
                .filter(s -> s.name().equals(name) && s.labels().equals(labels))
                .map(Sample::value)
                .findFirst();
    }

    /** Prometheus text exposition format (without HELP/TYPE lines). */
    public String toPrometheusText() {
        return samples.stream().map(Sample::line).collect(Collectors.joining("\n", "", "\n"));
    }
}
