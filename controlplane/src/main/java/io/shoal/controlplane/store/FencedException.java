package io.shoal.controlplane.store;

/**
 * A write made on behalf of a leader was refused because that leader is no longer the leader: its
 * epoch is behind the one in ZooKeeper (or it lost leadership locally).
 */
public final class FencedException extends StoreException {
    public FencedException(String message) {
        super(message);
    }
}
