package io.shoal.controlplane.store;

/**
 * A value as stored: its id and the znode's data version. For {@link io.shoal.model.Versioned}
 * records the value's {@code meta().version()} equals {@code version}.
 *
 * @param id the object id (the znode's name)
 * @param version the znode data version: 0 after create, +1 per update
 * @param value the decoded record
 * @param <T> the record type
 */
public record Stored<T>(String id, int version, T value) {}
