package io.shoal.balancer.ipvs;

import io.shoal.balancer.spec.IpLiterals;
import io.shoal.balancer.spec.Protocol;
import io.shoal.balancer.spec.VirtualService;
import io.shoal.netlink.nftables.NftKey;
import io.shoal.netlink.nftables.SetElement;
import io.shoal.netlink.nftables.SetElementChange;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Firewall marks for all-ports VIPs: which mark each (VIP, protocol) gets, the {@code inet
 * shoal-ipvs} table that sets them, and the element changes that move its maps from one assignment
 * to another. Pure (no kernel).
 *
 * <p>An all-ports service becomes an IPVS fwmark service (as Swarm does): packets to its VIP and
 * protocol get its mark in the mangle hooks, and IPVS schedules every new connection carrying the
 * mark with the service's own scheduler, instead of a "port zero" service that IPVS only schedules
 * when persistent.
 *
 * <p><b>Marks</b> are taken from {@code 0x53480000..0x5348ffff} ({@value #COUNT} values; "SH" in
 * the high half). Other marks of Shoal stay outside it: {@code 0x5e} (transparent routing of the
 * ingress proxy) and the nftables backend's slot numbers {@code 0..1023} (that backend never runs
 * in a namespace IPVS balances). A (VIP, protocol) starts at {@code FIRST + hash mod COUNT} (FNV-1a
 * over the address bytes and the protocol number) and takes the next free mark on a collision,
 * keys in address order; a key that already has a mark in the range keeps it (a restarted balancer
 * reads them from the map), so adding a VIP never moves another VIP's mark.
 */
public final class IpvsMarks {
    /** The first mark of the range. */
    public static final int FIRST = 0x53480000;
    /** How many marks the range holds. */
    public static final int COUNT = 0x10000;
    /** The table that marks VIP traffic ({@code table inet shoal-ipvs}). */
    public static final String TABLE = "shoal-ipvs";
    /** The IPv4 map: {@code ipv4_addr . inet_proto : mark}. */
    public static final String MAP4 = "vips4";
    /** The IPv6 map: {@code ipv6_addr . inet_proto : mark}. */
    public static final String MAP6 = "vips6";

    private static final Comparator<Target> ORDER = Comparator.comparingInt(
                    (Target t) -> t.vip().getAddress().length)
            .thenComparing(t -> t.vip().getAddress(), Arrays::compareUnsigned)
            .thenComparing(Target::protocol);

    private IpvsMarks() {}

    /** What gets one mark: a VIP and the protocol of an all-ports service on it. */
    public record Target(InetAddress vip, Protocol protocol) implements Comparable<Target> {
        public Target {
            Objects.requireNonNull(vip, "vip");
            Objects.requireNonNull(protocol, "protocol");
        }

        /** The target of an all-ports service. */
        public static Target of(VirtualService s) {
            if (!s.allPorts()) {
                throw new IllegalArgumentException("service " + s.name() + " is not an all-ports service");
            }
            return new Target(s.vip(), s.protocol());
        }

        @Override
        public int compareTo(Target o) {
            return ORDER.compare(this, o);
        }

        @Override
        public String toString() {
            return IpLiterals.format(vip) + "/" + protocol.keyword();
        }
    }

    /** True when {@code mark} is one this class hands out. */
    public static boolean inRange(int mark) {
        return Integer.compareUnsigned(mark - FIRST, COUNT) < 0;
    }

    /** Where {@code t}'s search for a free mark starts. */
    public static int preferred(Target t) {
        int h = 0x811c9dc5;
        for (byte b : t.vip().getAddress()) {
            h = (h ^ (b & 0xff)) * 0x01000193;
        }
        h = (h ^ (t.protocol() == Protocol.TCP ? 6 : 17)) * 0x01000193;
        return FIRST + Integer.remainderUnsigned(h, COUNT);
    }

    /**
     * A mark for every one of {@code wanted}: its mark in {@code existing} if that is in range and
     * not taken by another key, otherwise the first free mark from {@link #preferred}.
     *
     * @throws IllegalArgumentException when more keys are wanted than the range holds
     */
    public static Map<Target, Integer> assign(Collection<Target> wanted, Map<Target, Integer> existing) {
        TreeSet<Target> keys = new TreeSet<>(wanted);
        if (keys.size() > COUNT) {
            throw new IllegalArgumentException(
                    keys.size() + " all-ports VIPs need a mark each, more than the " + COUNT + " marks of the range");
        }
        Map<Target, Integer> out = new TreeMap<>();
        Set<Integer> used = new HashSet<>();
        for (Target t : keys) {
            Integer m = existing.get(t);
            if (m != null && inRange(m) && used.add(m)) {
                out.put(t, m);
            }
        }
        for (Target t : keys) {
            if (out.containsKey(t)) {
                continue;
            }
            int m = preferred(t);
            while (used.contains(m)) {
                m = m + 1 == FIRST + COUNT ? FIRST : m + 1;
            }
            used.add(m);
            out.put(t, m);
        }
        return out;
    }

    /** The targets of every all-ports service of {@code services}. */
    public static Set<Target> targets(Collection<VirtualService> services) {
        Set<Target> out = new TreeSet<>();
        for (VirtualService s : services) {
            if (s.allPorts()) {
                out.add(Target.of(s));
            }
        }
        return out;
    }

    /**
     * The table's structure: two maps and the rules that set the mark in {@code prerouting}
     * (routed traffic, before the routing decision sends it to LOCAL_IN) and {@code output}
     * (connections the namespace's processes open), both at mangle priority, so before IPVS (NAT
     * priority) looks at the packet. A packet whose destination is not in a map keeps its mark.
     * Declared with {@code add} semantics (an existing table and maps keep their elements); the
     * chains are flushed and refilled in the same transaction, so a damaged chain is repaired
     * without a moment in which packets go unmarked.
     */
    public static String tableScript() {
        return "table inet " + TABLE + " {\n"
                + "\tmap " + MAP4 + " { type ipv4_addr . inet_proto : mark; }\n"
                + "\tmap " + MAP6 + " { type ipv6_addr . inet_proto : mark; }\n"
                + "\tchain prerouting { type filter hook prerouting priority mangle; policy accept; }\n"
                + "\tchain output { type filter hook output priority mangle; policy accept; }\n"
                + "}\n"
                + rules("prerouting")
                + rules("output");
    }

    private static String rules(String chain) {
        String rule = "add rule inet " + TABLE + " " + chain + " meta mark set ";
        return "flush chain inet " + TABLE + " " + chain + "\n"
                + rule + "ip daddr . meta l4proto map @" + MAP4 + "\n"
                + rule + "ip6 daddr . meta l4proto map @" + MAP6 + "\n";
    }

    /** Deletes the table (and with it every mark rule and element). */
    public static String deleteScript() {
        return "delete table inet " + TABLE + "\n";
    }

    /** The map element for {@code t} → {@code mark}. */
    public static SetElement element(Target t, int mark) {
        NftKey key = NftKey.builder().address(t.vip()).protocol(t.protocol() == Protocol.TCP ? 6 : 17);
        return SetElement.mapping(key.bytes(), NftKey.builder().mark(mark).bytes());
    }

    /** The map an element for {@code vip} lives in. */
    public static String map(InetAddress vip) {
        return vip instanceof Inet6Address ? MAP6 : MAP4;
    }

    /**
     * Decodes map elements read back from the kernel ({@code vips4} or {@code vips6}).
     *
     * @throws IllegalArgumentException for an element whose key or value has the wrong size or protocol
     */
    public static Map<Target, Integer> decode(String map, List<SetElement> elements) {
        int addressBytes = MAP6.equals(map) ? 16 : 4;
        Map<Target, Integer> out = new TreeMap<>();
        for (SetElement e : elements) {
            byte[] k = e.keyBytes();
            byte[] v = e.valueBytes();
            if (k == null || k.length != addressBytes + 4 || v == null || v.length != 4) {
                throw new IllegalArgumentException("element " + e + " of map " + map + " is not "
                        + (addressBytes == 4 ? "ipv4_addr" : "ipv6_addr") + " . inet_proto : mark");
            }
            int proto = k[addressBytes] & 0xff;
            if (proto != 6 && proto != 17) {
                throw new IllegalArgumentException("element " + e + " of map " + map + " has protocol " + proto);
            }
            InetAddress vip;
            try {
                vip = InetAddress.getByAddress(Arrays.copyOf(k, addressBytes));
            } catch (UnknownHostException ex) {
                throw new AssertionError(ex);
            }
            if ((vip instanceof Inet4Address) != (addressBytes == 4)) {
                throw new IllegalArgumentException("element " + e + " of map " + map + " has the wrong family");
            }
            int mark = ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getInt();
            out.put(new Target(vip, proto == 6 ? Protocol.TCP : Protocol.UDP), mark);
        }
        return out;
    }

    /**
     * The element steps that turn the maps from {@code from} into {@code to}: deletions of keys that
     * go or change mark, then additions of keys that come or change mark. Empty when they are equal.
     */
    public static List<SetElementChange> changes(Map<Target, Integer> from, Map<Target, Integer> to) {
        List<SetElementChange> out = new ArrayList<>();
        for (String map : List.of(MAP4, MAP6)) {
            List<SetElement> delete = new ArrayList<>();
            List<SetElement> add = new ArrayList<>();
            for (Map.Entry<Target, Integer> e : new TreeMap<>(from).entrySet()) {
                if (map(e.getKey().vip()).equals(map) && !e.getValue().equals(to.get(e.getKey()))) {
                    delete.add(element(e.getKey(), e.getValue()));
                }
            }
            for (Map.Entry<Target, Integer> e : new TreeMap<>(to).entrySet()) {
                if (map(e.getKey().vip()).equals(map) && !e.getValue().equals(from.get(e.getKey()))) {
                    add.add(element(e.getKey(), e.getValue()));
                }
            }
            if (!delete.isEmpty()) {
                out.add(SetElementChange.delete(TABLE, map, delete));
            }
            if (!add.isEmpty()) {
                out.add(SetElementChange.add(TABLE, map, add));
            }
        }
        // Deletions of both maps first: a changed mark is deleted and re-added in one transaction.
        out.sort(Comparator.comparing(c -> c.operation() == SetElementChange.Operation.ADD));
        return out;
    }

    /** {@code 0x53480a0b}. */
    public static String hex(int mark) {
        return "0x" + Integer.toHexString(mark);
    }
}
