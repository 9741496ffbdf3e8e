package io.shoal.model;

/**
 * A stored object: it has a {@link Meta} (id + version index) and can be rebuilt with another one.
 *
 * @param <T> the object's own type
 */
public interface Versioned<T extends Versioned<T>> {
    /** The object's id and version index. */
    Meta meta();

    /** This object with another meta; everything else unchanged. */
    T withMeta(Meta meta);

    /** Shorthand for {@code meta().id()}. */
    default String id() {
        return meta().id();
    }

    /** Shorthand for {@code meta().version()}. */
    default long version() {
        return meta().version();
    }
}
