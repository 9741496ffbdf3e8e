/**
 * Network namespaces: create and delete named ones the way iproute2 does, open by name, path or
 * PID, run code inside one on a dedicated thread, and open netlink sockets there.
 */
package io.shoal.netlink.ns;
