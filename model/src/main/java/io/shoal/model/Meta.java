package io.shoal.model;

import java.time.Instant;
import java.util.Objects;

/**
 * What every stored object carries besides its spec: its id, its version index and when it was
 * created and last changed. An update names the version it changes (as the Docker API's {@code
 * ?version=N} does); the store refuses it if the object moved on since.
 *
 * @param id the object id, stable for the object's life
 * @param version the version index: 0 when created, +1 on every update
 * @param createdAt when the object was created
 * @param updatedAt when the object was last changed
 */
public record Meta(String id, long version, Instant createdAt, Instant updatedAt) {
    public Meta {
        Require.id("id", id);
        Require.atLeast("version", version, 0);
        createdAt = Objects.requireNonNullElse(createdAt, Instant.EPOCH);
        updatedAt = Objects.requireNonNullElse(updatedAt, createdAt);
        if (updatedAt.isBefore(createdAt)) {
            throw new IllegalArgumentException("updatedAt: " + updatedAt + " is before createdAt " + createdAt);
        }
    }

    /** The meta of an object created now: version 0. */
    public static Meta created(String id, Instant now) {
        return new Meta(id, 0, now, now);
    }

    /** The meta of the next version, changed at {@code now}. */
    public Meta next(Instant now) {
        Instant at = now.isBefore(updatedAt) ? updatedAt : now;
        return new Meta(id, version + 1, createdAt, at);
    }

    /** The same meta with another version index (the store's authoritative one). */
    public Meta withVersion(long newVersion) {
        return new Meta(id, newVersion, createdAt, updatedAt);
    }
}
