package io.shoal.balancer.nftables;

import io.shoal.balancer.BalancerException;
import io.shoal.balancer.NetworkNamespace;
import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.nftables.NfTables;
import io.shoal.netlink.nftables.SetElementChange;
import io.shoal.netlink.ns.NetNs;
import java.io.IOException;
import java.nio.file.Files;
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
    private Object socketNamespace;
    private long lastCommitNanos;

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
            NfTables nf = socket(operation);
            long start = System.nanoTime();
            nf.commit(changes);
            lastCommitNanos = System.nanoTime() - start;
        } catch (NetlinkException e) {
            StringBuilder detail = new StringBuilder(e.getMessage());
            for (Throwable s : e.getSuppressed()) {
                detail.append("; ").append(s.getMessage());
            }
            throw new BalancerException(operation, -1, detail + "; nothing of this transaction was applied", e);
        }
    }

    private NfTables socket(String operation) {
        if (namespace.isCurrent()) {
            if (socket == null) {
                socket = NfTables.open();
            }
            return socket;
        }
        // A socket stays in the namespace it was opened in. If the name now stands for another
        // namespace (deleted and made again), talk to the new one, as nft (which enters by path on
        // every run) would: its table is not there, so the change fails until resync().
        Object identity = identity(operation);
        if (socket != null && !identity.equals(socketNamespace)) {
            socket.close();
            socket = null;
        }
        if (socket == null) {
            try (NetNs ns = NetNs.openPath(namespace.path())) {
                socket = NfTables.open(ns);
            }
            socketNamespace = identity;
        }
        return socket;
    }

    /** The namespace file's device and inode: equal exactly when it is the same namespace. */
    private Object identity(String operation) {
        try {
            return Files.readAttributes(namespace.path(), "unix:dev,ino");
        } catch (IOException | UnsupportedOperationException e) {
            throw new BalancerException(operation, -1, "cannot read namespace " + namespace.path() + ": " + e, e);
        }
    }

    /** How long the last successful transaction took on the socket (send to last ack), for benchmarks. */
    synchronized long lastCommitNanos() {
        return lastCommitNanos;
    }

    @Override
    public synchronized void close() {
        if (socket != null) {
            socket.close();
            socket = null;
        }
    }
}
