package io.shoal.ingress.health;

import io.shoal.ingress.metrics.Sample;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/** Counts health answers by class: 200, 503, and the rest (4xx). */
final class HealthMetrics {
    private final LongAdder ok = new LongAdder();
    private final LongAdder unavailable = new LongAdder();
    private final LongAdder other = new LongAdder();

    void answered(int code) {
        switch (code) {
            case 200 -> ok.increment();
            case 503 -> unavailable.increment();
            default -> other.increment();
        }
    }

    List<Sample> samples() {
        String name = "shoal_ingress_health_requests_total";
        return List.of(
                new Sample(name, "code=\"200\"", ok.sum()),
                new Sample(name, "code=\"503\"", unavailable.sum()),
                new Sample(name, "code=\"4xx\"", other.sum()));
    }
}
