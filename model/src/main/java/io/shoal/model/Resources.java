package io.shoal.model;

/**
 * An amount of CPU and memory, as the Docker API counts them.
 *
 * @param nanoCpus CPU in units of 10^-9 CPUs (1 CPU = 1_000_000_000); 0 = none / unlimited
 * @param memoryBytes memory in bytes; 0 = none / unlimited
 */
public record Resources(long nanoCpus, long memoryBytes) {
    public static final Resources NONE = new Resources(0, 0);

    public Resources {
        Require.atLeast("nanoCpus", nanoCpus, 0);
        Require.atLeast("memoryBytes", memoryBytes, 0);
    }

    /** Whole CPUs and memory in MiB, for readable tests and defaults. */
    public static Resources of(double cpus, long memoryMiB) {
        return new Resources(Math.round(cpus * 1e9), memoryMiB * 1024 * 1024);
    }

    /** The sum of both amounts. */
    public Resources plus(Resources other) {
        return new Resources(nanoCpus + other.nanoCpus, memoryBytes + other.memoryBytes);
    }

    /** This amount minus another; may not go below zero (an error naming the resource). */
    public Resources minus(Resources other) {
        return new Resources(nanoCpus - other.nanoCpus, memoryBytes - other.memoryBytes);
    }

    /** True when {@code wanted} fits in this amount, resource by resource. */
    public boolean fits(Resources wanted) {
        return wanted.nanoCpus <= nanoCpus && wanted.memoryBytes <= memoryBytes;
    }
}
