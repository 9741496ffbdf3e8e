package io.shoal.balancer.nftables;

import static io.shoal.balancer.nftables.NftNames.TABLE;

import io.shoal.balancer.maglev.MaglevTable;
import io.shoal.balancer.spec.Algorithm;
import io.shoal.balancer.spec.Backend;
import io.shoal.balancer.spec.BalancerOptions;
import io.shoal.balancer.spec.IpLiterals;
import io.shoal.balancer.spec.ServiceKey;
import io.shoal.balancer.spec.VirtualService;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The "slot" layout: a service without a chain of its own. Its verdict-map element jumps to a
 * <em>pick chain</em> shared by every service that picks the same way (family, all-ports or not,
 * {@code numgen} modulus or {@code jhash} table size, idle-timeout policy), and that chain DNATs
 * through one map per family keyed by {@code VIP . protocol . port . slot}. So a service is only
 * elements: adding, removing or changing one (including its number of backends) is a handful of
 * element commands whatever the number of services, and the kernel holds a few chains and large
 * hash maps instead of a chain and an anonymous map per service (whose creation cost grows with
 * the number of sets in the table). Pure: no I/O.
 */
final class NftSlots {
    /** More slots than this (large weight ratios) and the service gets a chain of its own. */
    static final int MAX_SLOTS = 1024;
    /** The chain a service without an active backend jumps to: it refuses at once. */
    static final String REFUSE = "refuse";

    private final BalancerOptions options;

    NftSlots(BalancerOptions options) {
        this.options = options;
    }

    /**
     * Whether {@code s} uses this layout. Source affinity needs a dynamic set per backend (and so
     * rules per service), and a weight ratio needing more than {@link #MAX_SLOTS} slots is cheaper
     * as ranges in a chain's own map.
     */
    boolean applies(VirtualService s) {
        if (s.algorithm() == Algorithm.SOURCE_AFFINITY) {
            return false;
        }
        List<Backend> active = s.activeBackends();
        if (active.isEmpty() || s.algorithm() == Algorithm.CONSISTENT_HASH) {
            return true; // the hash table size is bounded by the options
        }
        if (s.algorithm() == Algorithm.ROUND_ROBIN) {
            return active.size() <= MAX_SLOTS;
        }
        long total = 0;
        for (int w : NftRenderer.reducedWeights(active)) {
            total += w;
        }
        return total <= MAX_SLOTS;
    }

    /** How many slots {@link #table} has, without building it. */
    int slotCount(VirtualService s) {
        List<Backend> active = s.activeBackends();
        switch (s.algorithm()) {
            case ROUND_ROBIN:
                return active.size();
            case CONSISTENT_HASH:
                return active.isEmpty() ? 0 : options.consistentHashTableSize();
            default:
                int total = 0;
                for (int w : NftRenderer.reducedWeights(active)) {
                    total += w;
                }
                return total;
        }
    }

    /** Slot number to index in {@link VirtualService#activeBackends()}; empty without backends. */
    int[] table(VirtualService s) {
        List<Backend> active = s.activeBackends();
        switch (s.algorithm()) {
            case ROUND_ROBIN: {
                int[] t = new int[active.size()];
                for (int i = 0; i < t.length; i++) {
                    t[i] = i;
                }
                return t;
            }
            case WEIGHTED: {
                int[] w = NftRenderer.reducedWeights(active);
                int total = 0;
                for (int x : w) {
                    total += x;
                }
                int[] t = new int[total];
                int slot = 0;
                for (int i = 0; i < w.length; i++) {
                    for (int k = 0; k < w[i]; k++) {
                        t[slot++] = i;
                    }
                }
                return t;
            }
            case CONSISTENT_HASH: {
                if (active.isEmpty()) {
                    return new int[0];
                }
                int size = options.consistentHashTableSize();
                if (active.size() >= size) {
                    throw new IllegalArgumentException("service " + s.name() + " has " + active.size()
                            + " active backends; consistentHashTableSize " + size + " must be larger");
                }
                return MaglevTable.build(
                        active.stream().map(Backend::endpoint).toList(),
                        active.stream().mapToInt(Backend::weight).toArray(),
                        size);
            }
            default:
                throw new IllegalStateException(s.algorithm() + " has no slot table");
        }
    }

    /**
     * The pick chain of {@code s}, e.g. {@code pick4_ng3_ct4_tcp_86400}: family, {@code any} for
     * all-ports services, {@code ng<modulus>} or {@code jh<table size>}, then the timeout policy.
     */
    String chain(VirtualService s, String ctPolicy) {
        if (s.activeBackends().isEmpty()) {
            return REFUSE;
        }
        ServiceKey key = s.key();
        String selection = s.algorithm() == Algorithm.CONSISTENT_HASH
                ? "jh" + options.consistentHashTableSize()
                : "ng" + slotCount(s);
        return "pick" + (key.isIpv6() ? "6" : "4") + (key.allPorts() ? "any" : "") + "_" + selection
                + (ctPolicy == null ? "" : "_" + ctPolicy);
    }

    /** The rules of {@code s}'s pick chain (the same for every service that shares it). */
    List<String> chainRules(VirtualService s, String ctPolicy) {
        String chain = chain(s, ctPolicy);
        String ip = s.key().isIpv6() ? "ip6" : "ip";
        String selection = s.algorithm() == Algorithm.CONSISTENT_HASH
                ? "jhash " + ip + " saddr . th sport mod " + options.consistentHashTableSize() + " seed "
                        + NftRenderer.HASH_SEED
                : "numgen inc mod " + slotCount(s);
        String prefix = "add rule " + TABLE + " " + chain + " ";
        // The slot goes through the packet mark because nft 1.0.6 cannot use a map whose key is
        // declared with "typeof ... numgen" once it reads it back from the kernel; a mark-typed key
        // part it can. Only the first packet of a new connection to a VIP passes here (NAT chains
        // see nothing else), so only that packet's mark is overwritten.
        String mark = prefix + "meta mark set " + selection;
        String dnat = s.allPorts()
                // No port: the connection keeps the port the client asked for.
                ? "dnat " + ip + " to " + ip + " daddr . meta l4proto . meta mark map @" + map(s.key())
                : "meta l4proto { tcp, udp } dnat " + ip + " to " + ip + " daddr . meta l4proto . th dport . meta mark"
                        + " map @" + map(s.key());
        return ctPolicy == null
                ? List.of(mark, prefix + dnat)
                : List.of(prefix + "ct timeout set \"" + ctPolicy + "\"", mark, prefix + dnat);
    }

    /** The slot map that holds {@code key}'s backends. */
    static String map(ServiceKey key) {
        return "backends" + (key.isIpv6() ? "6" : "4") + (key.allPorts() ? "any" : "");
    }

    /** The map declarations of this layout, one per family and port kind. */
    static List<String> mapDeclarations() {
        return List.of(
                declaration("4", "ip", false),
                declaration("4", "ip", true),
                declaration("6", "ip6", false),
                declaration("6", "ip6", true));
    }

    private static String declaration(String family, String ip, boolean any) {
        String addr = ip.equals("ip") ? "ipv4_addr" : "ipv6_addr";
        String key = addr + " . inet_proto . " + (any ? "" : "inet_service . ") + "mark";
        String value = any ? addr : addr + " . inet_service";
        return "add map " + TABLE + " backends" + family + (any ? "any" : "") + " { type " + key + " : " + value
                + "; }";
    }

    /** Element key to element value of {@code s}'s slots, in slot order. */
    Map<String, String> elements(VirtualService s) {
        Map<String, String> out = new LinkedHashMap<>();
        int[] t = table(s);
        if (t.length == 0) {
            return out;
        }
        List<Backend> active = s.activeBackends();
        ServiceKey key = s.key();
        String prefix = IpLiterals.format(key.vip()) + " . " + key.protocol().keyword() + " . "
                + (key.allPorts() ? "" : key.port() + " . ");
        for (int slot = 0; slot < t.length; slot++) {
            Backend b = active.get(t[slot]);
            String addr = IpLiterals.format(b.address());
            out.put(prefix + slot, key.allPorts() ? addr : addr + " . " + b.port());
        }
        return out;
    }
}
