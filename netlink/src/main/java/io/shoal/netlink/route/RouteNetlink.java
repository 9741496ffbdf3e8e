package io.shoal.netlink.route;

import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.socket.BatchOutcome;
import io.shoal.netlink.socket.NetlinkSocket;
import io.shoal.netlink.socket.Request;
import io.shoal.netlink.uapi.NetlinkH;
import java.io.Closeable;
import java.util.List;

/**
 * rtnetlink for one network namespace: one {@code NETLINK_ROUTE} socket shared by links, addresses,
 * routes, neighbours and FDB entries. Requests on it are serialized; open one per namespace.
 */
public final class RouteNetlink implements Closeable {
    private final NetlinkSocket socket;
    private final Links links;
    private final Addresses addresses;
    private final Routes routes;
    private final Rules rules;
    private final Neighbours neighbours;
    private final FdbEntries fdb;

    private RouteNetlink(NetlinkSocket socket) {
        this.socket = socket;
        this.links = new Links(socket);
        this.addresses = new Addresses(socket);
        this.routes = new Routes(socket);
        this.rules = new Rules(socket);
        this.neighbours = new Neighbours(socket);
        this.fdb = new FdbEntries(socket);
    }

    /** rtnetlink in the calling thread's namespace. */
    public static RouteNetlink open() {
        return new RouteNetlink(NetlinkSocket.open(NetlinkH.NETLINK_ROUTE));
    }

    /** rtnetlink in {@code namespace}: the socket is opened there and stays there. */
    public static RouteNetlink open(NetNs namespace) {
        return new RouteNetlink(namespace.openSocket(NetlinkH.NETLINK_ROUTE));
    }

    /** Links. */
    public Links links() {
        return links;
    }

    /** Interface addresses. */
    public Addresses addresses() {
        return addresses;
    }

    /** Policy routing rules. */
    public Rules rules() {
        return rules;
    }

    /** Routes. */
    public Routes routes() {
        return routes;
    }

    /** Neighbour (IP to MAC) entries. */
    public Neighbours neighbours() {
        return neighbours;
    }

    /** Bridge/vxlan FDB entries. */
    public FdbEntries fdb() {
        return fdb;
    }

    /**
     * Sends many requests (e.g. from {@link Neighbours#replaceRequest} and {@link
     * FdbEntries#replaceRequest}) packed several to a datagram; each succeeds or fails on its own.
     */
    public BatchOutcome executeAll(List<Request> requests) {
        return socket.executeAll(requests);
    }

    /** The underlying socket. */
    public NetlinkSocket socket() {
        return socket;
    }

    @Override
    public void close() {
        socket.close();
    }
}
