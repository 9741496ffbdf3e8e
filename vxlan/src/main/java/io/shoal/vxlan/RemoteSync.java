package io.shoal.vxlan;

/**
 * What {@link OverlayDriver#syncRemotes} changed.
 *
 * @param neighboursAdded static neighbour entries added (or changed)
 * @param neighboursRemoved stale neighbour entries removed
 * @param fdbAdded FDB entries added (or changed)
 * @param fdbRemoved stale FDB entries removed
 */
public record RemoteSync(int neighboursAdded, int neighboursRemoved, int fdbAdded, int fdbRemoved) {
    /** Kernel requests sent. */
    public int changes() {
        return neighboursAdded + neighboursRemoved + fdbAdded + fdbRemoved;
    }
}
