/**
 * Generic netlink: resolve a family (IPVS, ...) by name through the controller
 * ({@code CTRL_CMD_GETFAMILY}) to its id, version and multicast groups.
 */
package io.shoal.netlink.genl;
