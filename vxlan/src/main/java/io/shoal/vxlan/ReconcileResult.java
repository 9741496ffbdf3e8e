package io.shoal.vxlan;

/**
 * What {@link OverlayDriver#reconcile} removed and changed.
 *
 * @param networksRemoved sandboxes deleted (not desired, or strays of an earlier process)
 * @param strayVxlansRemoved vxlan devices left in the host namespace by an interrupted ensure
 * @param endpointsRemoved sandbox veths of endpoints not desired
 * @param remoteChanges neighbour/FDB requests sent
 */
public record ReconcileResult(int networksRemoved, int strayVxlansRemoved, int endpointsRemoved, int remoteChanges) {}
