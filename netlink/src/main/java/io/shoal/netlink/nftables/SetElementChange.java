package io.shoal.netlink.nftables;

import io.shoal.netlink.uapi.NfnetlinkH;
import java.util.List;
import java.util.Objects;

/**
 * Elements to add to or delete from one set or map of one table: one step of a transaction.
 *
 * @param operation add ({@code NFT_MSG_NEWSETELEM}) or delete ({@code NFT_MSG_DELSETELEM})
 * @param family table family, {@code NFPROTO_*} (e.g. {@code NFPROTO_INET})
 */
public record SetElementChange(Operation operation, int family, String table, String set, List<SetElement> elements) {
    /** What the step does with its elements. */
    public enum Operation {
        ADD,
        DELETE
    }

    public SetElementChange {
        Objects.requireNonNull(operation, "operation");
        NftNames.check("table", table);
        NftNames.check("set", set);
        elements = List.copyOf(elements);
        if (elements.isEmpty()) {
            throw new IllegalArgumentException(
                    "no elements to " + operation.name().toLowerCase() + " for set " + set);
        }
        if (family < 0 || family > 0xff) {
            throw new IllegalArgumentException("family must be an NFPROTO_* value, was " + family);
        }
    }

    /** Adds {@code elements} to {@code set} of {@code table inet <table>}. */
    public static SetElementChange add(String table, String set, List<SetElement> elements) {
        return new SetElementChange(Operation.ADD, NfnetlinkH.NFPROTO_INET, table, set, elements);
    }

    /** Deletes {@code elements} (by key) from {@code set} of {@code table inet <table>}. */
    public static SetElementChange delete(String table, String set, List<SetElement> elements) {
        return new SetElementChange(Operation.DELETE, NfnetlinkH.NFPROTO_INET, table, set, elements);
    }

    /** E.g. {@code add 2 elements to inet shoal backends4}. */
    public String describe() {
        return (operation == Operation.ADD ? "add " : "delete ") + elements.size()
                + (elements.size() == 1 ? " element " : " elements ") + (operation == Operation.ADD ? "to " : "from ")
                + familyName(family) + " " + table + " " + set;
    }

    static String familyName(int family) {
        return switch (family) {
            case NfnetlinkH.NFPROTO_INET -> "inet";
            case NfnetlinkH.NFPROTO_IPV4 -> "ip";
            case NfnetlinkH.NFPROTO_IPV6 -> "ip6";
            default -> "family " + family;
        };
    }
}
