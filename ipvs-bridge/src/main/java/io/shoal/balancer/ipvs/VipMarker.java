package io.shoal.balancer.ipvs;

import io.shoal.balancer.BalancerException;
import io.shoal.balancer.NetworkNamespace;
import io.shoal.balancer.ipvs.IpvsMarks.Target;
import io.shoal.balancer.nftables.NftCommand;
import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.nftables.NfTables;
import io.shoal.netlink.nftables.SetElementChange;
import io.shoal.netlink.uapi.NfnetlinkH;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Keeps one namespace's {@code table inet shoal-ipvs} ({@link IpvsMarks}): the structure through
 * {@code nft} (created or repaired when the balancer first reads the kernel, removed at close), the
 * VIP → mark elements through the project's own nf_tables netlink code ({@link NfTables}, one
 * atomic transaction per change, on a socket opened inside the namespace and kept).
 */
final class VipMarker implements AutoCloseable {
    private final NetworkNamespace namespace;
    private final NftCommand nft;
    private final NfTables socket;

    VipMarker(NetworkNamespace namespace, NfTables socket) {
        this.namespace = namespace;
        this.nft = new NftCommand(namespace);
        this.socket = socket;
    }

    /**
     * Why the kernel of {@code namespace} cannot mark VIP traffic with nftables, or empty when it
     * can: checks the table's script with the kernel ({@code nft -c}, nothing is committed). Fails
     * e.g. on a kernel built without the {@code inet} family ({@code CONFIG_NF_TABLES_INET}), or
     * where {@code nft} is missing.
     */
    static Optional<String> unavailabilityCause(NetworkNamespace namespace) {
        try {
            new NftCommand(namespace).check(IpvsMarks.tableScript(), "fwmark probe");
            return Optional.empty();
        } catch (BalancerException | UnsupportedOperationException e) {
            return Optional.of(e.getMessage().strip());
        }
    }

    /**
     * Creates the table or repairs its chains (elements that are there stay), then reads the marks
     * it holds: what a restarted balancer adopts. A table whose maps cannot be kept (another type)
     * is replaced.
     */
    Map<Target, Integer> adopt(String what) {
        try {
            nft.apply(IpvsMarks.tableScript(), what + ": mark table");
        } catch (BalancerException e) {
            nft.apply(
                    "add table inet " + IpvsMarks.TABLE + "\n" + IpvsMarks.deleteScript() + IpvsMarks.tableScript(),
                    what + ": mark table replaced after: " + e.getMessage().strip());
        }
        Map<Target, Integer> out = new TreeMap<>();
        for (String map : List.of(IpvsMarks.MAP4, IpvsMarks.MAP6)) {
            try {
                out.putAll(IpvsMarks.decode(map, socket.elements(NfnetlinkH.NFPROTO_INET, IpvsMarks.TABLE, map)));
            } catch (NetlinkException | IllegalArgumentException e) {
                throw new BalancerException(
                        what + ": reading inet " + IpvsMarks.TABLE + " " + map + " in namespace " + namespace,
                        -1,
                        e.getMessage(),
                        e);
            }
        }
        return out;
    }

    /** Moves the maps from {@code from} to {@code to} in one transaction; nothing when they are equal. */
    void commit(Map<Target, Integer> from, Map<Target, Integer> to, String what) {
        List<SetElementChange> changes = IpvsMarks.changes(from, to);
        if (changes.isEmpty()) {
            return;
        }
        try {
            socket.commit(changes);
        } catch (NetlinkException e) {
            StringBuilder detail = new StringBuilder(e.getMessage());
            for (Throwable s : e.getSuppressed()) {
                detail.append("; ").append(s.getMessage());
            }
            throw new BalancerException(
                    what + ": VIP marks in namespace " + namespace,
                    -1,
                    detail + "; nothing of this transaction was applied",
                    e);
        }
    }

    /** Deletes the table if it is there. */
    void remove(String what) {
        nft.apply("add table inet " + IpvsMarks.TABLE + "\n" + IpvsMarks.deleteScript(), what + ": mark table");
    }

    @Override
    public void close() {
        socket.close();
    }
}
