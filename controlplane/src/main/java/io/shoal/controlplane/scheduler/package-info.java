/**
 * The scheduler: filters that rule nodes out (ready, active, constraints, resources, host ports,
 * replicas per node), placement preferences that spread over label values, and a strategy that
 * picks among the rest (spread, binpack, random). Pure logic over snapshots.
 */
package io.shoal.controlplane.scheduler;
