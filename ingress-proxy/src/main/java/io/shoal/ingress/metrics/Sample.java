package io.shoal.ingress.metrics;

/**
 * One metric sample as Prometheus' text format writes it.
 *
 * @param name the metric name, e.g. {@code shoal_ingress_connections_total}
 * @param labels the label set without braces, e.g. {@code port="8080",protocol="tcp"}
 * @param value the value
 */
public record Sample(String name, String labels, double value) {
    /** The sample as one line of the Prometheus text exposition format. */
    public String line() {
        String v = value == Math.rint(value) && !Double.isInfinite(value)
                ? Long.toString((long) value)
                : Double.toString(value);
        return name + (labels.isEmpty() ? "" : "{" + labels + "}") + " " + v;
    }
}
