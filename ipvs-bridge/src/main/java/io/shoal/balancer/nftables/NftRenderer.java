package io.shoal.balancer.nftables;

import static io.shoal.balancer.nftables.NftNames.TABLE;

import io.shoal.balancer.maglev.MaglevTable;
import io.shoal.balancer.spec.Algorithm;
import io.shoal.balancer.spec.Backend;
import io.shoal.balancer.spec.BalancerOptions;
import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.IpLiterals;
import io.shoal.balancer.spec.ServiceDiff;
import io.shoal.balancer.spec.ServiceKey;
import io.shoal.balancer.spec.VirtualService;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Turns desired states into {@code nft -f} scripts. Pure: no I/O, so every algorithm's ruleset is
 * unit-tested as text.
 *
 * <p>Layout: the NAT hooks jump to {@code services}, which looks the packet's destination up in a
 * verdict map (O(1) whatever the number of services). Most services are only elements (see
 * {@link NftSlots}): the entry jumps to a pick chain shared by similar services, which DNATs through
 * a slot map. Services with source affinity (or huge weight ratios) have chains of their own: the
 * service chain picks a backend chain ({@code numgen} over an anonymous vmap) and that one DNATs.
 * An update touches only the elements and chains of services that changed, so the cost of a change
 * does not grow with the number of services.
 */
final class NftRenderer {
    /** Fixed jhash seed: every node and every re-apply maps a flow to the same slot. */
    static final String HASH_SEED = "0x53686f61";

    /** Elements per {@code add element} / {@code delete element} command. */
    static final int CHUNK = 2000;

    private final BalancerOptions options;
    private final boolean ctTimeouts;
    private final NftSlots slots;

    NftRenderer(BalancerOptions options, boolean ctTimeouts) {
        this.options = options;
        this.ctTimeouts = ctTimeouts;
        this.slots = new NftSlots(options);
    }

    /**
     * Replaces whatever Shoal table exists with one holding exactly {@code desired}. The first
     * two lines make "delete" succeed whether or not the table exists; all is one transaction.
     */
    String full(DesiredState desired) {
        StringBuilder sb = new StringBuilder();
        line(sb, "add table " + TABLE);
        line(sb, "delete table " + TABLE);
        line(sb, "add table " + TABLE);
        base(sb);
        sb.append(changes(DesiredState.empty(), desired, ServiceDiff.between(DesiredState.empty(), desired)));
        return sb.toString();
    }

    /** The commands that turn {@code before} into {@code after}; empty when they are equal. */
    String incremental(DesiredState before, DesiredState after) {
        return changes(before, after, ServiceDiff.between(before, after));
    }

    /** The commands for {@code diff}, already computed between the programmed and desired states. */
    String incremental(DesiredState before, DesiredState after, ServiceDiff diff) {
        return changes(before, after, diff);
    }

    /** Removes Shoal's table, whether or not it exists. */
    String teardown() {
        return "add table " + TABLE + "\ndelete table " + TABLE + "\n";
    }

    private void base(StringBuilder sb) {
        for (String family : List.of("4", "6")) {
            String addr = family.equals("4") ? "ipv4_addr" : "ipv6_addr";
            line(
                    sb,
                    "add map " + TABLE + " services" + family + " { type " + addr
                            + " . inet_proto . inet_service : verdict; }");
            line(sb, "add map " + TABLE + " services" + family + "any { type " + addr + " . inet_proto : verdict; }");
        }
        NftSlots.mapDeclarations().forEach(m -> line(sb, m));
        line(sb, "add chain " + TABLE + " " + NftSlots.REFUSE);
        // No backend: refuse at once (ECONNREFUSED / ICMP unreachable) rather than let the
        // client time out against an address nobody owns.
        line(sb, "add rule " + TABLE + " " + NftSlots.REFUSE + " reject");
        String d = NftNames.DISPATCH;
        line(sb, "add chain " + TABLE + " " + d);
        // Only TCP and UDP have ports; anything else to a VIP is not ours to rewrite.
        line(sb, "add rule " + TABLE + " " + d + " meta l4proto != { tcp, udp } return");
        line(sb, "add rule " + TABLE + " " + d + " ip daddr . meta l4proto . th dport vmap @services4");
        line(sb, "add rule " + TABLE + " " + d + " ip daddr . meta l4proto vmap @services4any");
        line(sb, "add rule " + TABLE + " " + d + " ip6 daddr . meta l4proto . th dport vmap @services6");
        line(sb, "add rule " + TABLE + " " + d + " ip6 daddr . meta l4proto vmap @services6any");
        // output: connections a process in this namespace opens (a container calling a service);
        // prerouting: connections routed through this namespace. -100 is the usual DNAT priority.
        line(
                sb,
                "add chain " + TABLE + " " + NftNames.OUTPUT
                        + " { type nat hook output priority -100; policy accept; }");
        line(sb, "add rule " + TABLE + " " + NftNames.OUTPUT + " jump " + d);
        line(
                sb,
                "add chain " + TABLE + " " + NftNames.PREROUTING
                        + " { type nat hook prerouting priority -100; policy accept; }");
        line(sb, "add rule " + TABLE + " " + NftNames.PREROUTING + " jump " + d);
        // Drain timeout: a flow DNATed to a backend in "leaving" but no longer in "grace" is cut
        // (TCP reset, ICMP for UDP) at its next packet. Keys: VIP . protocol . backend . port.
        for (String family : List.of("4", "6")) {
            String addr = family.equals("4") ? "ipv4_addr" : "ipv6_addr";
            String type = " { type " + addr + " . inet_proto . " + addr + " . inet_service; flags timeout; }";
            line(sb, "add set " + TABLE + " " + NftNames.LEAVING + family + type);
            line(sb, "add set " + TABLE + " " + NftNames.GRACE + family + type);
        }
        // The cut itself lives in one regular chain, so that a packet of a DNATed flow costs one
        // lookup in "leaving" (these chains see every packet, not only a connection's first).
        line(sb, "add chain " + TABLE + " " + NftNames.DRAIN_CUT);
        line(sb, "add rule " + TABLE + " " + NftNames.DRAIN_CUT + " meta l4proto tcp reject with tcp reset");
        line(sb, "add rule " + TABLE + " " + NftNames.DRAIN_CUT + " reject");
        for (String chain : List.of(NftNames.DRAIN_OUTPUT, NftNames.DRAIN_FORWARD)) {
            String hook = chain.equals(NftNames.DRAIN_OUTPUT) ? "output" : "forward";
            line(
                    sb,
                    "add chain " + TABLE + " " + chain + " { type filter hook " + hook
                            + " priority 0; policy accept; }");
            for (String family : List.of("4", "6")) {
                String ip = family.equals("4") ? "ip" : "ip6";
                String tuple = "ct original " + ip + " daddr . meta l4proto . " + ip + " daddr . th dport";
                String match = "ct status dnat " + tuple + " @" + NftNames.LEAVING + family + " " + tuple + " != @"
                        + NftNames.GRACE + family;
                line(sb, "add rule " + TABLE + " " + chain + " " + match + " goto " + NftNames.DRAIN_CUT);
            }
        }
    }

    private String changes(DesiredState before, DesiredState after, ServiceDiff diff) {
        if (diff.isEmpty()) {
            return "";
        }
        // Sort by layout; a service that changes layout is removed from one and added to the other.
        List<VirtualService> removed = new ArrayList<>();
        List<VirtualService> added = new ArrayList<>();
        List<ServiceDiff.Change> changed = new ArrayList<>();
        List<VirtualService> removedSlots = new ArrayList<>();
        List<VirtualService> addedSlots = new ArrayList<>();
        List<ServiceDiff.Change> changedSlots = new ArrayList<>();
        for (VirtualService s : diff.removed()) {
            (slots.applies(s) ? removedSlots : removed).add(s);
        }
        for (VirtualService s : diff.added()) {
            (slots.applies(s) ? addedSlots : added).add(s);
        }
        for (ServiceDiff.Change c : diff.changed()) {
            boolean was = slots.applies(c.before());
            boolean is = slots.applies(c.after());
            if (was && is) {
                changedSlots.add(c);
            } else if (!was && !is) {
                changed.add(c);
            } else {
                (was ? removedSlots : removed).add(c.before());
                (is ? addedSlots : added).add(c.after());
            }
        }
        StringBuilder sb = new StringBuilder();
        Elements deletions = new Elements("delete");
        Elements additions = new Elements("add");
        // 1. Unlink: nothing may still refer to a chain or set when it is deleted (EBUSY).
        for (VirtualService s : removed) {
            deletions.add(NftNames.map(s.key()), elementKey(s.key()));
            flushAll(sb, s);
        }
        for (ServiceDiff.Change c : changed) {
            flushAll(sb, c.before());
        }
        for (VirtualService s : removedSlots) {
            deletions.add(NftNames.map(s.key()), elementKey(s.key()));
            slots.elements(s).keySet().forEach(k -> deletions.add(NftSlots.map(s.key()), k));
        }
        for (ServiceDiff.Change c : changedSlots) {
            String was = slots.chain(c.before(), ctTimeoutName(c.before()));
            String is = slots.chain(c.after(), ctTimeoutName(c.after()));
            if (!was.equals(is)) {
                deletions.add(
                        NftNames.map(c.before().key()), elementKey(c.before().key()));
                additions.add(
                        NftNames.map(c.after().key()), elementKey(c.after().key()) + " : goto " + is);
            }
            // Only slots whose backend changes are touched: other flows' slots stay as they are.
            Map<String, String> old = slots.elements(c.before());
            Map<String, String> now = slots.elements(c.after());
            String map = NftSlots.map(c.after().key());
            old.forEach((k, v) -> {
                if (!v.equals(now.get(k))) {
                    deletions.add(map, k);
                }
            });
            now.forEach((k, v) -> {
                if (!v.equals(old.get(k))) {
                    additions.add(map, k + " : " + v);
                }
            });
        }
        deletions.render(sb);
        // 2. Delete what is no longer wanted.
        for (VirtualService s : removed) {
            for (Backend b : s.activeBackends()) {
                line(sb, "delete chain " + TABLE + " " + NftNames.backendChain(s.key(), b));
            }
            for (String set : affinitySets(s)) {
                line(sb, "delete set " + TABLE + " " + set);
            }
            line(sb, "delete chain " + TABLE + " " + NftNames.serviceChain(s.key()));
        }
        for (ServiceDiff.Change c : changed) {
            Set<String> keep = backendChains(c.after());
            for (String chain : backendChains(c.before())) {
                if (!keep.contains(chain)) {
                    line(sb, "delete chain " + TABLE + " " + chain);
                }
            }
            Set<String> keepSets = affinitySets(c.after());
            for (String set : affinitySets(c.before())) {
                if (!keepSets.contains(set)) {
                    line(sb, "delete set " + TABLE + " " + set);
                }
            }
        }
        // Only the services in the diff can bring or retire a policy or a pick chain; whether another
        // service uses one is looked up in the other state, which stops at the first user found.
        List<VirtualService> incoming = new ArrayList<>(diff.added());
        List<VirtualService> outgoing = new ArrayList<>(diff.removed());
        for (ServiceDiff.Change c : diff.changed()) {
            incoming.add(c.after());
            outgoing.add(c.before());
        }
        // 3. Timeout policies the new rules will name ("add" leaves an existing one as it is).
        Set<String> policiesAdded = new TreeSet<>();
        for (VirtualService s : incoming) {
            String policy = ctTimeoutName(s);
            if (policy != null && !policiesAdded.contains(policy) && !usesPolicy(before, policy)) {
                line(sb, ctTimeoutObject(s));
                policiesAdded.add(policy);
            }
        }
        // 4. Pick chains that a service now needs and none did before.
        Map<String, VirtualService> picksAdded = new TreeMap<>();
        for (VirtualService s : incoming) {
            if (slots.applies(s) && !s.activeBackends().isEmpty()) {
                String chain = slots.chain(s, ctTimeoutName(s));
                if (!picksAdded.containsKey(chain) && !usesPick(before, chain)) {
                    picksAdded.put(chain, s);
                    line(sb, "add chain " + TABLE + " " + chain);
                    slots.chainRules(s, ctTimeoutName(s)).forEach(r -> line(sb, r));
                }
            }
        }
        // 5. Build added and changed services.
        for (ServiceDiff.Change c : changed) {
            build(sb, c.after(), c.before());
        }
        for (VirtualService s : added) {
            build(sb, s, null);
            additions.add(NftNames.map(s.key()), elementKey(s.key()) + " : goto " + NftNames.serviceChain(s.key()));
        }
        for (VirtualService s : addedSlots) {
            slots.elements(s).forEach((k, v) -> additions.add(NftSlots.map(s.key()), k + " : " + v));
            additions.add(NftNames.map(s.key()), elementKey(s.key()) + " : goto " + slots.chain(s, ctTimeoutName(s)));
        }
        additions.render(sb);
        drainTransitions(sb, diff);
        // 6. Pick chains nothing jumps to any more, then policies nothing names any more.
        Set<String> retired = new TreeSet<>();
        for (VirtualService s : outgoing) {
            if (slots.applies(s) && !s.activeBackends().isEmpty()) {
                String chain = slots.chain(s, ctTimeoutName(s));
                if (retired.add(chain) && !usesPick(after, chain)) {
                    line(sb, "delete chain " + TABLE + " " + chain);
                }
            }
        }
        for (VirtualService s : outgoing) {
            String policy = ctTimeoutName(s);
            if (policy != null && retired.add(policy) && !usesPolicy(after, policy)) {
                line(sb, "delete ct timeout " + TABLE + " " + policy);
            }
        }
        return sb.toString();
    }

    private boolean usesPolicy(DesiredState state, String policy) {
        for (VirtualService s : state.services()) {
            if (policy.equals(ctTimeoutName(s))) {
                return true;
            }
        }
        return false;
    }

    private boolean usesPick(DesiredState state, String chain) {
        for (VirtualService s : state.services()) {
            if (slots.applies(s) && !s.activeBackends().isEmpty() && chain.equals(slots.chain(s, ctTimeoutName(s)))) {
                return true;
            }
        }
        return false;
    }

    /** The verdict-map entry each service of {@code state} needs: element key to target chain. */
    Map<String, String> verdictEntries(DesiredState state) {
        Map<String, String> out = new TreeMap<>();
        for (VirtualService s : state.services()) {
            out.put(
                    elementKey(s.key()),
                    slots.applies(s) ? slots.chain(s, ctTimeoutName(s)) : NftNames.serviceChain(s.key()));
        }
        return out;
    }

    /** The slot elements (key to backend) the slot-layout services of {@code state} need. */
    Map<String, String> slotEntries(DesiredState state) {
        Map<String, String> out = new TreeMap<>();
        for (VirtualService s : state.services()) {
            if (slots.applies(s)) {
                out.putAll(slots.elements(s));
            }
        }
        return out;
    }

    /**
     * Element commands grouped per map, at most {@link #CHUNK} elements a command: nft parses one
     * long command much faster than thousands of short ones.
     */
    private static final class Elements {
        private final String verb;
        private final Map<String, List<String>> byMap = new LinkedHashMap<>();

        Elements(String verb) {
            this.verb = verb;
        }

        void add(String map, String element) {
            byMap.computeIfAbsent(map, m -> new ArrayList<>()).add(element);
        }

        void render(StringBuilder sb) {
            byMap.forEach((map, elements) -> {
                for (int from = 0; from < elements.size(); from += CHUNK) {
                    List<String> chunk = elements.subList(from, Math.min(elements.size(), from + CHUNK));
                    line(sb, verb + " element " + TABLE + " " + map + " { " + String.join(", ", chunk) + " }");
                }
            });
        }
    }

    /**
     * Backends that stop taking new connections enter "leaving" (for the drain timeout plus the
     * idle timeout, after which conntrack has forgotten their flows anyway) and "grace" (for the
     * drain timeout). Backends that take connections again leave both. Element commands come as
     * add-then-delete so that they succeed whether or not the element exists or has expired.
     * All-ports services are not covered: their flows end by idle timeout.
     */
    private void drainTransitions(StringBuilder sb, ServiceDiff diff) {
        // Only services in the diff can have backends that come or go.
        Map<ServiceKey, VirtualService[]> pairs = new TreeMap<>();
        diff.removed().forEach(s -> pairs.put(s.key(), new VirtualService[] {s, null}));
        diff.added().forEach(s -> pairs.put(s.key(), new VirtualService[] {null, s}));
        diff.changed().forEach(c -> pairs.put(c.after().key(), new VirtualService[] {c.before(), c.after()}));
        long drain = options.drainTimeout().getSeconds();
        for (Map.Entry<ServiceKey, VirtualService[]> e : pairs.entrySet()) {
            ServiceKey key = e.getKey();
            if (key.allPorts()) {
                continue;
            }
            VirtualService was = e.getValue()[0];
            VirtualService now = e.getValue()[1];
            Set<Backend> activeBefore = was == null ? Set.of() : endpointsOf(was);
            Set<Backend> activeAfter = now == null ? Set.of() : endpointsOf(now);
            String family = key.isIpv6() ? "6" : "4";
            for (Backend b : activeBefore) {
                if (!activeAfter.contains(b)) {
                    String element = drainKey(key, b);
                    long keep = drain + options.idleTimeoutFor(was).getSeconds();
                    resetElement(sb, NftNames.LEAVING + family, element, " timeout " + keep + "s");
                    if (drain > 0) {
                        resetElement(sb, NftNames.GRACE + family, element, " timeout " + drain + "s");
                    } else {
                        removeElement(sb, NftNames.GRACE + family, element);
                    }
                }
            }
            for (Backend b : activeAfter) {
                if (!activeBefore.contains(b)) {
                    removeElement(sb, NftNames.LEAVING + family, drainKey(key, b));
                    removeElement(sb, NftNames.GRACE + family, drainKey(key, b));
                }
            }
        }
    }

    /** Active backends by address and port only: weight or order changes are not a departure. */
    private static Set<Backend> endpointsOf(VirtualService s) {
        Set<Backend> set = new LinkedHashSet<>();
        for (Backend b : s.activeBackends()) {
            set.add(new Backend(b.address(), b.port(), 1, false));
        }
        return set;
    }

    private static void resetElement(StringBuilder sb, String set, String element, String timeout) {
        removeElement(sb, set, element);
        line(sb, "add element " + TABLE + " " + set + " { " + element + timeout + " }");
    }

    private static void removeElement(StringBuilder sb, String set, String element) {
        line(sb, "add element " + TABLE + " " + set + " { " + element + " }");
        line(sb, "delete element " + TABLE + " " + set + " { " + element + " }");
    }

    private static String drainKey(ServiceKey key, Backend b) {
        return IpLiterals.format(key.vip()) + " . " + key.protocol().keyword() + " . " + IpLiterals.format(b.address())
                + " . " + b.port();
    }

    private void flushAll(StringBuilder sb, VirtualService s) {
        line(sb, "flush chain " + TABLE + " " + NftNames.serviceChain(s.key()));
        for (String chain : backendChains(s)) {
            line(sb, "flush chain " + TABLE + " " + chain);
        }
    }

    /** Writes {@code s}'s sets, backend chains and service chain; {@code before} is its old form, if any. */
    private void build(StringBuilder sb, VirtualService s, VirtualService before) {
        ServiceKey key = s.key();
        String saddr = key.isIpv6() ? "ip6 saddr" : "ip saddr";
        Set<String> oldChains = before == null ? Set.of() : backendChains(before);
        Set<String> oldSets = before == null ? Set.of() : affinitySets(before);
        List<Backend> active = s.activeBackends();
        for (Backend b : active) {
            String chain = NftNames.backendChain(key, b);
            if (!oldChains.contains(chain)) {
                line(sb, "add chain " + TABLE + " " + chain);
            }
            if (s.algorithm() == Algorithm.SOURCE_AFFINITY) {
                String set = NftNames.affinitySet(key, b, s.affinityTimeout().orElseThrow());
                if (!oldSets.contains(set)) {
                    line(
                            sb,
                            "add set " + TABLE + " " + set + " { type " + (key.isIpv6() ? "ipv6_addr" : "ipv4_addr")
                                    + "; flags dynamic,timeout; timeout "
                                    + s.affinityTimeout().orElseThrow().getSeconds() + "s; }");
                }
                // Refreshed by every new connection of the client: the timeout counts from its last one.
                line(sb, "add rule " + TABLE + " " + chain + " update @" + set + " { " + saddr + " }");
            }
            line(sb, "add rule " + TABLE + " " + chain + " " + dnat(s, b));
        }
        String chain = NftNames.serviceChain(key);
        if (before == null) {
            line(sb, "add chain " + TABLE + " " + chain);
        }
        String policy = ctTimeoutName(s);
        if (policy != null) {
            line(sb, "add rule " + TABLE + " " + chain + " ct timeout set \"" + policy + "\"");
        }
        if (s.algorithm() == Algorithm.SOURCE_AFFINITY) {
            for (Backend b : active) {
                line(
                        sb,
                        "add rule " + TABLE + " " + chain + " " + saddr + " @"
                                + NftNames.affinitySet(
                                        key, b, s.affinityTimeout().orElseThrow()) + " goto "
                                + NftNames.backendChain(key, b));
            }
        }
        line(sb, "add rule " + TABLE + " " + chain + " " + selection(s, active) + " comment \"" + s.name() + "\"");
    }

    /** The rule that picks a backend chain for a new connection. */
    String selection(VirtualService s, List<Backend> active) {
        if (active.isEmpty()) {
            // No backend: refuse at once (ECONNREFUSED / ICMP unreachable) rather than let the
            // client time out against an address nobody owns.
            return "reject";
        }
        if (active.size() == 1) {
            return "goto " + NftNames.backendChain(s.key(), active.get(0));
        }
        List<String> targets = new ArrayList<>();
        for (Backend b : active) {
            targets.add(NftNames.backendChain(s.key(), b));
        }
        switch (s.algorithm()) {
            case ROUND_ROBIN: {
                int[] ones = new int[active.size()];
                java.util.Arrays.fill(ones, 1);
                return "numgen inc mod " + active.size() + " vmap " + ranges(targets, ones);
            }
            case WEIGHTED:
            case SOURCE_AFFINITY: {
                int[] w = reducedWeights(active);
                int total = 0;
                for (int x : w) {
                    total += x;
                }
                return "numgen inc mod " + total + " vmap " + ranges(targets, w);
            }
            case CONSISTENT_HASH: {
                int size = options.consistentHashTableSize();
                if (active.size() >= size) {
                    throw new IllegalArgumentException("service " + s.name() + " has " + active.size()
                            + " active backends; consistentHashTableSize " + size + " must be larger");
                }
                List<String> ids = active.stream().map(Backend::endpoint).toList();
                int[] table = MaglevTable.build(
                        ids, active.stream().mapToInt(Backend::weight).toArray(), size);
                String saddr = s.key().isIpv6() ? "ip6 saddr" : "ip saddr";
                return "jhash " + saddr + " . th sport mod " + size + " seed " + HASH_SEED + " vmap "
                        + slots(table, targets);
            }
            default:
                throw new IllegalStateException("unknown algorithm " + s.algorithm());
        }
    }

    /** {@code { 0-2 : goto a, 3 : goto b }}: consecutive numbers per target, in proportion to weight. */
    private static String ranges(List<String> targets, int[] weights) {
        StringBuilder sb = new StringBuilder("{ ");
        int from = 0;
        for (int i = 0; i < targets.size(); i++) {
            int to = from + weights[i] - 1;
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(from == to ? Integer.toString(from) : from + "-" + to)
                    .append(" : goto ")
                    .append(targets.get(i));
            from = to + 1;
        }
        return sb.append(" }").toString();
    }

    /** The Maglev table as a vmap, runs of one owner folded into a range. */
    private static String slots(int[] table, List<String> targets) {
        StringBuilder sb = new StringBuilder("{ ");
        int start = 0;
        for (int i = 1; i <= table.length; i++) {
            if (i == table.length || table[i] != table[start]) {
                if (start > 0) {
                    sb.append(", ");
                }
                int end = i - 1;
                sb.append(start == end ? Integer.toString(start) : start + "-" + end)
                        .append(" : goto ")
                        .append(targets.get(table[start]));
                start = i;
            }
        }
        return sb.append(" }").toString();
    }

    /** Weights divided by their greatest common divisor: 2,2,4 picks like 1,1,2 with a shorter cycle. */
    static int[] reducedWeights(List<Backend> active) {
        int g = 0;
        for (Backend b : active) {
            g = gcd(g, b.weight());
        }
        int[] w = new int[active.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = active.get(i).weight() / g;
        }
        return w;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    private static String dnat(VirtualService s, Backend b) {
        String family = s.key().isIpv6() ? "ip6" : "ip";
        String addr = IpLiterals.format(b.address());
        if (s.allPorts()) {
            // No port: the connection keeps the port the client asked for.
            return "dnat " + family + " to " + addr;
        }
        String target = s.key().isIpv6() ? "[" + addr + "]:" + b.port() : addr + ":" + b.port();
        return "meta l4proto " + s.protocol().keyword() + " dnat " + family + " to " + target;
    }

    private static String elementKey(ServiceKey key) {
        String vip = IpLiterals.format(key.vip());
        return key.allPorts()
                ? vip + " . " + key.protocol().keyword()
                : vip + " . " + key.protocol().keyword() + " . " + key.port();
    }

    private static Set<String> backendChains(VirtualService s) {
        Set<String> chains = new LinkedHashSet<>();
        for (Backend b : s.activeBackends()) {
            chains.add(NftNames.backendChain(s.key(), b));
        }
        return chains;
    }

    private static Set<String> affinitySets(VirtualService s) {
        Set<String> sets = new LinkedHashSet<>();
        if (s.algorithm() == Algorithm.SOURCE_AFFINITY) {
            for (Backend b : s.activeBackends()) {
                sets.add(NftNames.affinitySet(s.key(), b, s.affinityTimeout().orElseThrow()));
            }
        }
        return sets;
    }

    private String ctTimeoutName(VirtualService s) {
        if (!ctTimeouts) {
            return null;
        }
        return NftNames.ctTimeout(s.key().isIpv6(), s.protocol(), options.idleTimeoutFor(s));
    }

    private String ctTimeoutObject(VirtualService s) {
        long idle = options.idleTimeoutFor(s).getSeconds();
        String policy;
        if (s.protocol() == io.shoal.balancer.spec.Protocol.TCP) {
            policy = "established: " + idle;
        } else {
            // A flow never answered is likely a dead backend: forget it as soon as the kernel would.
            policy = "unreplied: " + Math.min(30, idle) + ", replied: " + idle;
        }
        return "add ct timeout " + TABLE + " " + ctTimeoutName(s) + " { protocol "
                + s.protocol().keyword() + "; l3proto " + (s.key().isIpv6() ? "ip6" : "ip") + "; policy = { " + policy
                + " }; }";
    }

    private static void line(StringBuilder sb, String s) {
        sb.append(s).append('\n');
    }
}
