package io.shoal.controlplane.store;

/**
 * A change seen through the cache.
 *
 * @param type created, updated or deleted
 * @param kind the kind of object
 * @param id the object id
 * @param before the value before (null for a create)
 * @param after the value after (null for a delete)
 * @param <T> the record type
 */
public record StoreEvent<T>(Type type, Kind<T> kind, String id, Stored<T> before, Stored<T> after) {
    /** What happened to the object. */
    public enum Type {
        CREATED,
        UPDATED,
        DELETED
    }
}
