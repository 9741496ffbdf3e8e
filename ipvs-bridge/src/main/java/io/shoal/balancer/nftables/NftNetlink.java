package io.shoal.balancer.nftables;

import io.shoal.balancer.BalancerException;
import io.shoal.balancer.NetworkNamespace;
import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.nftables.NfTables;
import io.shoal.netlink.nftables.SetElementChange;
import io.shoal.netlink.ns.NetNs;
import java.util.List;

/**
 * The netlink fast path of the nftables backend: element changes as one nf_tables transaction on a
 * {@code NETLINK_NETFILTER} socket opened inside the balancer's namespace and kept open. No process
 * is started and nothing is read back first, which is what {@code nft} spends most of an element
 * change on once the table is large.
 *
 * <p>Not final so that tests can put a fault between the balancer and the kernel.
 */
class NftNetlink implements AutoCloseable {
    private final NetworkNamespace namespace;
    private NfTables socket;

    NftNetlink(NetworkNamespace namespace) {
        this.namespace = namespace;
    }

    /**
     * Applies {@code changes} in one transaction: all of them or none.
     *
     * @throws BalancerException naming the namespace, the refused step and the kernel's errno and text
     */
    synchronized void commit(List<SetElementChange> changes, String what) {
        String operation = "nf_tables transaction of " + changes.size() + " element steps in namespace " + namespace
                + " (" + what + ")";
        try {
            socket().commit(changes);
        } catch (NetlinkException e) {
            StringBuilder detail = new StringBuilder(e.getMessage());
            for (Throwable s : e.getSuppressed()) {
                detail.append("; ").append(s.getMessage());
            }
            throw new BalancerException(operation, -1, detail + "; nothing of this transaction was applied", e);
        }
    }

    private NfTables socket() {
        if (socket == null) {
            if (namespace.isCurrent()) {
                socket = NfTables.open();
            } else {
                try (NetNs ns = NetNs.openPath(namespace.path())) {
                    socket = NfTables.open(ns);
                }
            }
        }
        return socket;
    }

    @Override
    public synchronized void close() {
        if (socket != null) {
            socket.close();
            socket = null;
        }
    }
}
