package io.shoal.controlplane.store;

import java.util.function.BooleanSupplier;

/**
 * Proof of leadership for one term: the epoch znode's version when this manager won. A transaction
 * {@linkplain StoreTransaction#fencedBy fenced} by it carries a version check of the epoch znode,
 * so once another manager has won (and bumped the epoch), the deposed leader's writes are refused by
 * ZooKeeper itself, not only by the deposed leader's own view.
 */
public final class Fence {
    private final String path;
    private final int epoch;
    private final String holder;
    private final BooleanSupplier held;

    /**
     * @param path the epoch znode
     * @param epoch the epoch znode's version in this term
     * @param holder who holds it (for messages)
     * @param held false as soon as the holder knows it lost leadership
     */
    public Fence(String path, int epoch, String holder, BooleanSupplier held) {
        this.path = path;
        this.epoch = epoch;
        this.holder = holder;
        this.held = held;
    }

    public String path() {
        return path;
    }

    public int epoch() {
        return epoch;
    }

    public String holder() {
        return holder;
    }

    /** Refuses early when the holder already knows it is no longer leader. */
    public void checkHeld() {
        if (!held.getAsBoolean()) {
            throw new FencedException("write refused: " + holder + " is no longer leader (it led epoch " + epoch + ")");
        }
    }

    @Override
    public String toString() {
        return "Fence{" + holder + " epoch " + epoch + "}";
    }
}
