package io.shoal.balancer.nftables;

import io.shoal.balancer.spec.IpLiterals;
import io.shoal.netlink.nftables.NfTables;
import io.shoal.netlink.nftables.NftKey;
import io.shoal.netlink.nftables.NftVerdict;
import io.shoal.netlink.nftables.SetElement;
import io.shoal.netlink.nftables.SetElementChange;
import io.shoal.netlink.socket.NetlinkSocket;
import io.shoal.netlink.socket.Request;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Recognises an {@code nft -f} script of {@link NftRenderer} that is only element commands on
 * Shoal's own maps and sets, and turns it into the same steps as nf_tables element changes, in the
 * same order, for the netlink fast path. Anything else (a chain, a rule, a policy, a map this class
 * does not know, text it does not expect) gives {@link Optional#empty()}: that script goes to
 * {@code nft}. Pure: no I/O.
 *
 * <p>Knowing the maps by name is what lets it encode keys without asking the kernel for their
 * types: they are declared by {@link NftRenderer} and {@link NftSlots} with exactly these types.
 */
final class NftElementScript {
    /** The table name inside {@code table inet shoal}. */
    static final String TABLE_NAME = "shoal";

    private static final String ADD = "add element " + NftNames.TABLE + " ";
    private static final String DELETE = "delete element " + NftNames.TABLE + " ";

    /** Field kinds of keys and values. */
    private enum Field {
        IPV4,
        IPV6,
        PROTO,
        PORT,
        MARK
    }

    /** Key fields and value fields (null: a set; empty: a verdict map) of each known map. */
    private record MapType(List<Field> key, List<Field> value) {}

    private NftElementScript() {}

    private static MapType type(String map) {
        return switch (map) {
            case "services4" -> new MapType(List.of(Field.IPV4, Field.PROTO, Field.PORT), List.of());
            case "services6" -> new MapType(List.of(Field.IPV6, Field.PROTO, Field.PORT), List.of());
            case "services4any" -> new MapType(List.of(Field.IPV4, Field.PROTO), List.of());
            case "services6any" -> new MapType(List.of(Field.IPV6, Field.PROTO), List.of());
            case "backends4" -> new MapType(
                    List.of(Field.IPV4, Field.PROTO, Field.PORT, Field.MARK), List.of(Field.IPV4, Field.PORT));
            case "backends6" -> new MapType(
                    List.of(Field.IPV6, Field.PROTO, Field.PORT, Field.MARK), List.of(Field.IPV6, Field.PORT));
            case "backends4any" -> new MapType(List.of(Field.IPV4, Field.PROTO, Field.MARK), List.of(Field.IPV4));
            case "backends6any" -> new MapType(List.of(Field.IPV6, Field.PROTO, Field.MARK), List.of(Field.IPV6));
            case "leaving4", "grace4" -> new MapType(List.of(Field.IPV4, Field.PROTO, Field.IPV4, Field.PORT), null);
            case "leaving6", "grace6" -> new MapType(List.of(Field.IPV6, Field.PROTO, Field.IPV6, Field.PORT), null);
            default -> null;
        };
    }

    /**
     * The element changes {@code script} makes, in its order, or empty when the script does anything
     * else (or has more than {@code maxElements} elements, or does not fit one transaction: a large
     * change goes to nft).
     */
    static Optional<List<SetElementChange>> parse(String script, int maxElements) {
        List<SetElementChange> out = new ArrayList<>();
        int elements = 0;
        for (String line : script.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            boolean add;
            String rest;
            if (line.startsWith(ADD)) {
                add = true;
                rest = line.substring(ADD.length());
            } else if (line.startsWith(DELETE)) {
                add = false;
                rest = line.substring(DELETE.length());
            } else {
                return Optional.empty();
            }
            int open = rest.indexOf(" { ");
            if (open < 0 || !rest.endsWith(" }")) {
                return Optional.empty();
            }
            String map = rest.substring(0, open);
            MapType type = type(map);
            if (type == null) {
                return Optional.empty();
            }
            List<SetElement> parsed = new ArrayList<>();
            for (String element : rest.substring(open + 3, rest.length() - 2).split(", ")) {
                SetElement e = element(element, type, add);
                if (e == null) {
                    return Optional.empty();
                }
                parsed.add(e);
            }
            elements += parsed.size();
            if (elements > maxElements) {
                return Optional.empty();
            }
            out.add(
                    add
                            ? SetElementChange.add(TABLE_NAME, map, parsed)
                            : SetElementChange.delete(TABLE_NAME, map, parsed));
        }
        if (out.isEmpty() || !fitsOneTransaction(out)) {
            return Optional.empty();
        }
        return Optional.of(out);
    }

    /**
     * Whether {@code changes} go out as one netlink transaction: one datagram the send buffer takes,
     * with no more messages than the receive queue has room for acks (many short lines, e.g. the
     * drain-set steps of ten removed services, do not).
     */
    static boolean fitsOneTransaction(List<SetElementChange> changes) {
        List<Request> requests = NfTables.requests(changes);
        if (requests.size() > NetlinkSocket.MAX_TRANSACTION_MESSAGES) {
            return false;
        }
        long bytes = 64;
        for (Request r : requests) {
            bytes += r.message().length() + 3;
        }
        return bytes <= NetlinkSocket.MAX_TRANSACTION_DATAGRAM;
    }

    /** One element's text, e.g. {@code 100.64.0.10 . tcp . 80 . 3 : 198.18.0.11 . 8080}; null if unexpected. */
    private static SetElement element(String text, MapType type, boolean add) {
        String keyText = text;
        String valueText = null;
        int colon = text.indexOf(" : ");
        if (colon >= 0) {
            keyText = text.substring(0, colon);
            valueText = text.substring(colon + 3);
        }
        long timeoutMillis = 0;
        int timeout = keyText.indexOf(" timeout ");
        if (timeout >= 0) {
            String t = keyText.substring(timeout + " timeout ".length());
            if (!t.matches("\\d{1,9}s")) {
                return null;
            }
            timeoutMillis = Long.parseLong(t.substring(0, t.length() - 1)) * 1000;
            if (timeoutMillis == 0) {
                return null; // "timeout 0s" is not what the renderer writes; let nft judge it
            }
            keyText = keyText.substring(0, timeout);
        }
        byte[] key = fields(keyText, type.key());
        if (key == null) {
            return null;
        }
        if (type.value() == null) { // a set: no value, and only additions carry a timeout
            return valueText != null || (!add && timeoutMillis > 0)
                    ? null
                    : SetElement.key(key).withTimeoutMillis(timeoutMillis);
        }
        if (timeoutMillis > 0) {
            return null; // Shoal's maps have no timeouts
        }
        if (!add) {
            return valueText == null ? SetElement.key(key) : null;
        }
        if (valueText == null) {
            return null;
        }
        if (type.value().isEmpty()) {
            if (!valueText.startsWith("goto ") || !valueText.substring(5).matches("[a-z0-9_]{1,200}")) {
                return null;
            }
            return SetElement.verdict(key, NftVerdict.goTo(valueText.substring(5)));
        }
        byte[] value = fields(valueText, type.value());
        return value == null ? null : SetElement.mapping(key, value);
    }

    private static byte[] fields(String text, List<Field> kinds) {
        String[] parts = text.split(" \\. ", -1);
        if (parts.length != kinds.size()) {
            return null;
        }
        NftKey key = NftKey.builder();
        try {
            for (int i = 0; i < parts.length; i++) {
                String p = parts[i];
                switch (kinds.get(i)) {
                    case IPV4, IPV6 -> {
                        InetAddress a = IpLiterals.parse(p, "element address");
                        if ((a instanceof Inet4Address) != (kinds.get(i) == Field.IPV4)) {
                            return null;
                        }
                        key.address(a);
                    }
                    case PROTO -> {
                        switch (p) {
                            case "tcp" -> key.protocol(6);
                            case "udp" -> key.protocol(17);
                            default -> {
                                return null;
                            }
                        }
                    }
                    case PORT -> {
                        if (!p.matches("\\d{1,5}")) {
                            return null;
                        }
                        key.port(Integer.parseInt(p));
                    }
                    case MARK -> {
                        if (!p.matches("\\d{1,9}")) {
                            return null;
                        }
                        key.mark(Integer.parseInt(p));
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            return null; // out of range or not a literal: let nft say what is wrong
        }
        return key.bytes();
    }
}
