package io.shoal.agent.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * Requests sent one after another, without pause beyond {@code interval}, from a client namespace
 * through published ports, counting the failures: what a rolling update or a drain must not
 * disturb. Bounded: it stops by itself after {@code maxDuration}, so a forgotten loop cannot run on.
 */
public final class RequestLoop implements AutoCloseable {
    /** How many failures are kept with their text; the count covers all of them. */
    private static final int KEPT_FAILURES = 20;

    /**
     * What the loop saw.
     *
     * @param sent requests sent
     * @param failed requests without a 2xx answer
     * @param failures the first failures, as "h2: no answer (…)"
     * @param bodies how often each answer body was seen (which replicas answered)
     */
    public record Result(int sent, int failed, List<String> failures, java.util.Map<String, Integer> bodies) {
        @Override
        public String toString() {
            return sent + " requests, " + failed + " failed" + (failures.isEmpty() ? "" : " " + failures);
        }
    }

    private final IntFunction<HttpResult> request;
    private final int[] hosts;
    private final Duration interval;
    private final long deadline;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final List<String> failures = new ArrayList<>();
    private final java.util.Map<String, Integer> bodies = new java.util.TreeMap<>();
    private final Thread thread;

    RequestLoop(IntFunction<HttpResult> request, int[] hosts, Duration interval, Duration maxDuration) {
        if (hosts.length == 0) {
            throw new IllegalArgumentException("hosts: at least one host index is needed");
        }
        this.request = request;
        this.hosts = hosts.clone();
        this.interval = interval;
        this.deadline = System.nanoTime() + maxDuration.toNanos();
        this.thread = new Thread(this::loop, "e2e-request-loop");
        this.thread.setDaemon(true);
    }

    RequestLoop start() {
        thread.start();
        return this;
    }

    private void loop() {
        int i = 0;
        while (!stop.get() && System.nanoTime() < deadline) {
            int host = hosts[i++ % hosts.length];
            HttpResult r = request.apply(host);
            sent.incrementAndGet();
            synchronized (this) {
                if (r.ok()) {
                    bodies.merge(r.body().strip(), 1, Integer::sum);
                } else {
                    failed.incrementAndGet();
                    if (failures.size() < KEPT_FAILURES) {
                        failures.add("h" + host + ": " + r);
                    }
                }
            }
            LockSupport.parkNanos(interval.toNanos());
        }
    }

    /** Requests sent so far. */
    public int sent() {
        return sent.get();
    }

    /** Failed requests so far. */
    public int failed() {
        return failed.get();
    }

    /** True while the loop still sends (not stopped, not past its maximum duration). */
    public boolean isRunning() {
        return thread.isAlive();
    }

    /** Stops the loop, waits for the request in flight, and returns what it saw. */
    public Result stop() {
        stop.set(true);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            return new Result(sent.get(), failed.get(), List.copyOf(failures), java.util.Map.copyOf(bodies));
        }
    }

    @Override
    public void close() {
        stop();
    }
}
