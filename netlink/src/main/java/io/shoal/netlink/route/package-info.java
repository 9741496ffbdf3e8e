/**
 * rtnetlink requests over one {@code NETLINK_ROUTE} socket: {@link io.shoal.netlink.route.Links},
 * {@link io.shoal.netlink.route.Addresses}, {@link io.shoal.netlink.route.Routes},
 * {@link io.shoal.netlink.route.Neighbours} and {@link io.shoal.netlink.route.FdbEntries}, reached
 * through {@link io.shoal.netlink.route.RouteNetlink}. Replies are decoded into immutable records.
 */
package io.shoal.netlink.route;
