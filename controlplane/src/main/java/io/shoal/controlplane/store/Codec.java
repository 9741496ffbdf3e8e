package io.shoal.controlplane.store;

import io.shoal.model.Json;
import io.shoal.model.Versioned;
import java.io.IOException;
import org.apache.zookeeper.data.Stat;

/** JSON bytes ⇄ records, with the znode version made authoritative for {@link Versioned} records. */
final class Codec {
    private Codec() {}

    static byte[] encode(Object value) {
        try {
            return Json.mapper().writeValueAsBytes(value);
        } catch (IOException e) {
            throw new StoreException("cannot encode " + value.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    static <T> Stored<T> decode(Kind<T> kind, String id, byte[] data, Stat stat) {
        if (data == null || data.length == 0) {
            throw new StoreException(kind + " " + id + ": znode holds no data");
        }
        T value;
        try {
            value = Json.mapper().readValue(data, kind.type());
        } catch (IOException e) {
            throw new StoreException(kind + " " + id + ": stored JSON is unreadable: " + e.getMessage(), e);
        }
        return new Stored<>(id, stat.getVersion(), withVersion(kind, value, stat.getVersion()));
    }

    /** The ZooKeeper version is the truth; the copy inside the JSON is a convenience for readers. */
    static <T> T withVersion(Kind<T> kind, T value, int version) {
        if (value instanceof Versioned<?> v && v.meta().version() != version) {
            return kind.type().cast(v.withMeta(v.meta().withVersion(version)));
        }
        return value;
    }
}
