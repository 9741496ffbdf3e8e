package io.shoal.netlink.nftables;

import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.codec.MessageBuilder;
import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.socket.BatchOutcome;
import io.shoal.netlink.socket.NetlinkSocket;
import io.shoal.netlink.socket.Request;
import io.shoal.netlink.uapi.NfnetlinkH;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * nf_tables set elements over a {@code NETLINK_NETFILTER} socket: element changes as one atomic
 * transaction ({@code NFNL_MSG_BATCH_BEGIN}, the element messages, {@code NFNL_MSG_BATCH_END} in
 * one datagram), and element dumps. What {@code nft add element}/{@code delete element} does, without
 * starting {@code nft} and without it reading the ruleset into its cache first.
 *
 * <p>Tables, chains and sets are not created here: this is the fast path for element changes in a
 * ruleset built by other means.
 */
public final class NfTables implements Closeable {
    private final NetlinkSocket socket;

    private NfTables(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** A socket in this thread's namespace. */
    public static NfTables open() {
        return new NfTables(NetlinkSocket.open(NfnetlinkH.NETLINK_NETFILTER));
    }

    /** A socket opened inside {@code ns}; it keeps talking to that namespace. */
    public static NfTables open(NetNs ns) {
        return new NfTables(ns.openSocket(NfnetlinkH.NETLINK_NETFILTER));
    }

    /**
     * Applies {@code changes} in order as one transaction: the kernel applies all of them or, if it
     * refuses any element, none.
     *
     * @throws NetlinkException for the first refusal (naming the step and the kernel's text; the
     *     others attached as suppressed); nothing was changed
     * @throws IllegalArgumentException when the changes do not fit one transaction datagram
     *     ({@link NetlinkSocket#MAX_TRANSACTION_DATAGRAM} bytes, {@link
     *     NetlinkSocket#MAX_TRANSACTION_MESSAGES} messages)
     */
    public void commit(List<SetElementChange> changes) {
        Objects.requireNonNull(changes, "changes");
        if (changes.isEmpty()) {
            return;
        }
        List<Request> requests = requests(changes);
        BatchOutcome outcome =
                socket.executeTransaction(NfTablesMessages.batchBegin(), requests, NfTablesMessages.batchEnd());
        if (outcome.allSucceeded()) {
            return;
        }
        NetlinkException first = null;
        for (Map.Entry<Integer, NetlinkException> e : outcome.failures().entrySet()) {
            if (first == null) {
                first = e.getValue();
            } else {
                first.addSuppressed(e.getValue());
            }
        }
        throw first;
    }

    /** The messages {@link #commit} sends for {@code changes} (element lists split to fit an attribute). */
    public static List<Request> requests(List<SetElementChange> changes) {
        List<Request> requests = new ArrayList<>();
        for (SetElementChange c : changes) {
            for (List<SetElement> part : NfTablesMessages.split(c.elements())) {
                MessageBuilder m = c.operation() == SetElementChange.Operation.ADD
                        ? NfTablesMessages.newSetElements(c.family(), c.table(), c.set(), part)
                        : NfTablesMessages.deleteSetElements(c.family(), c.table(), c.set(), part);
                SetElementChange shown = new SetElementChange(c.operation(), c.family(), c.table(), c.set(), part);
                requests.add(new Request(m, shown.describe() + " " + sample(part)));
            }
        }
        return requests;
    }

    private static String sample(List<SetElement> elements) {
        int shown = Math.min(4, elements.size());
        StringBuilder sb = new StringBuilder("{ ");
        for (int i = 0; i < shown; i++) {
            sb.append(i == 0 ? "" : ", ").append(elements.get(i));
        }
        if (shown < elements.size()) {
            sb.append(", ... ").append(elements.size() - shown).append(" more");
        }
        return sb.append(" }").toString();
    }

    /** Every element of {@code set} in {@code table inet <table>} ({@code NFT_MSG_GETSETELEM} dump). */
    public List<SetElement> elements(int family, String table, String set) {
        return socket.dump(
                NfTablesMessages.getSetElements(family, table, set),
                "list elements of " + SetElementChange.familyName(family) + " " + table + " " + set,
                (message, out) -> out.addAll(NfTablesMessages.decodeElements(message)));
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
