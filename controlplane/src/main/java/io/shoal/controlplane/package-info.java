/**
 * Shoal's control plane on ZooKeeper: the {@link io.shoal.controlplane.store.Store}, leader
 * election with fencing, membership, and the leader's reconcilers.
 */
package io.shoal.controlplane;
