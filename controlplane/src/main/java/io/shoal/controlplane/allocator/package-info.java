/**
 * The allocator's pure bookkeeping: subnets carved from the default pools, addresses within a
 * subnet (VIPs and task IPs), VXLAN ids and published ports. No I/O: the leader rebuilds these from
 * the store when it takes over, then persists each decision with the object it belongs to.
 */
package io.shoal.controlplane.allocator;
