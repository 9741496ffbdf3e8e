package io.shoal.ingress.metrics;

import java.util.concurrent.atomic.LongAdder;

/** A fixed-bucket histogram of durations in seconds, cumulative on read as Prometheus expects. */
public final class LatencyHistogram {
    /** Upper bounds in seconds; the implicit last bucket is +Inf. */
    public static final double[] BOUNDS = {
        0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5
    };

    private final LongAdder[] buckets = new LongAdder[BOUNDS.length + 1];
    private final LongAdder sumNanos = new LongAdder();

    /** An empty histogram over {@link #BOUNDS}. */
    public LatencyHistogram() {
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    /** Counts one observation of {@code nanos} nanoseconds. */
    public void record(long nanos) {
        double seconds = nanos / 1e9;
        int i = 0;
        while (i < BOUNDS.length && seconds > BOUNDS[i]) {
            i++;
        }
        buckets[i].increment();
        sumNanos.add(nanos);
    }

    /** Cumulative counts per bound, the last one (+Inf) equal to the total count. */
    public long[] cumulative() {
        long[] out = new long[buckets.length];
        long run = 0;
        for (int i = 0; i < buckets.length; i++) {
            run += buckets[i].sum();
            out[i] = run;
        }
        return out;
    }

    /** The sum of all observations in seconds. */
    public double sumSeconds() {
        return sumNanos.sum() / 1e9;
    }
}
