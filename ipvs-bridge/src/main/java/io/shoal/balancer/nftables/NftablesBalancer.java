package io.shoal.balancer.nftables;

import io.shoal.balancer.BalancerException;
import io.shoal.balancer.BalancerKind;
import io.shoal.balancer.NetworkNamespace;
import io.shoal.balancer.ServiceBalancer;
import io.shoal.balancer.spec.BalancerOptions;
import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.IpLiterals;
import io.shoal.balancer.spec.ServiceDiff;
import io.shoal.netlink.nftables.SetElementChange;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Balances service VIPs with nftables DNAT in Shoal's own table ({@code table inet shoal}).
 *
 * <p>The first apply replaces the table wholesale (a leftover from an earlier process is not
 * trusted); later applies send only the commands for services that changed. Either way one
 * {@code nft -f -} run is one kernel transaction: all of it applies or none does, so a refused
 * change leaves the namespace exactly as it was.
 *
 * <p>A change that is only elements of Shoal's maps and sets (the common case: a backend added,
 * removed, drained or reweighted) skips {@code nft}: the same element steps go to the kernel as one
 * nf_tables netlink transaction over a socket kept open in the namespace ({@link NftNetlink}), again
 * all or nothing.
 */
public final class NftablesBalancer implements ServiceBalancer {
    private static final Logger LOG = LoggerFactory.getLogger(NftablesBalancer.class);
    private static final Pattern CHAIN = Pattern.compile("^\\s*chain (\\S+) \\{", Pattern.MULTILINE);
    /** A services map element: {@code VIP . proto [. port] : goto chain}. */
    private static final Pattern ENTRY =
            Pattern.compile("([0-9a-f.:]+ \\. (?:tcp|udp)(?: \\. \\d+)?) : goto ([a-z0-9_]+)");
    /** A slot map element: {@code VIP . proto [. port] . slot : backend [. port]}, the slot in hex. */
    private static final Pattern SLOT = Pattern.compile(
            "([0-9a-f.:]+ \\. (?:tcp|udp)(?: \\. \\d+)? \\. )0x([0-9a-f]+) : ([0-9a-f.:]+(?: \\. \\d+)?)(?=[,\\s}])");

    /** Larger element-only changes (a first sync of many services) still go to nft. */
    static final int FAST_PATH_MAX_ELEMENTS = 1000;

    private final NftCommand nft;
    private final NftNetlink netlink;
    private final NftRenderer renderer;
    private boolean fastPath = true;
    private long fastApplies;
    private long nftApplies;
    private DesiredState programmed = DesiredState.empty();
    private boolean tableKnown;
    private boolean closed;

    NftablesBalancer(NftCommand nft, BalancerOptions options, boolean ctTimeouts) {
        this(nft, new NftNetlink(nft.namespace()), options, ctTimeouts);
    }

    NftablesBalancer(NftCommand nft, NftNetlink netlink, BalancerOptions options, boolean ctTimeouts) {
        this.nft = Objects.requireNonNull(nft, "nft");
        this.netlink = Objects.requireNonNull(netlink, "netlink");
        this.renderer = new NftRenderer(Objects.requireNonNull(options, "options"), ctTimeouts);
    }

    /**
     * A balancer for {@code namespace}. Nothing is programmed until the first {@link #apply}.
     *
     * @throws UnsupportedOperationException when nftables balancing is unavailable here
     */
    public static NftablesBalancer create(NetworkNamespace namespace, BalancerOptions options) {
        NftablesSupport.ensureAvailability();
        if (!NftablesSupport.ctTimeoutsAvailable()) {
            LOG.warn(
                    "kernel has no conntrack timeout policies; services use the namespace's sysctl timeouts: {}",
                    NftablesSupport.ctTimeoutsUnavailabilityCause()
                            .map(Throwable::getMessage)
                            .orElse(""));
        }
        return new NftablesBalancer(new NftCommand(namespace), options, NftablesSupport.ctTimeoutsAvailable());
    }

    @Override
    public BalancerKind kind() {
        return BalancerKind.NFTABLES;
    }

    @Override
    public NetworkNamespace namespace() {
        return nft.namespace();
    }

    @Override
    public synchronized void apply(DesiredState desired) {
        Objects.requireNonNull(desired, "desired");
        if (closed) {
            throw new IllegalStateException("balancer for namespace " + namespace() + " is closed");
        }
        ServiceDiff diff = ServiceDiff.between(programmed, desired);
        // Rendering may refuse a state (e.g. more backends than hash slots) before nft runs.
        String script = tableKnown ? renderer.incremental(programmed, desired, diff) : renderer.full(desired);
        if (script.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        // Element changes only (a backend added, removed, drained or reweighted in an existing
        // service; a service added whose pick chain exists): one nf_tables transaction over the
        // kept netlink socket. Anything structural: nft. Either way all of it applies or none.
        Optional<List<SetElementChange>> elements =
                tableKnown && fastPath ? NftElementScript.parse(script, FAST_PATH_MAX_ELEMENTS) : Optional.empty();
        String path;
        if (elements.isPresent()) {
            netlink.commit(elements.get(), "apply " + diff);
            fastApplies++;
            path = "netlink";
        } else {
            nft.apply(script, (tableKnown ? "apply " : "full apply ") + diff);
            nftApplies++;
            path = "nft";
        }
        programmed = desired;
        tableKnown = true;
        LOG.debug(
                "namespace {}: applied {} ({} commands) through {} in {} ms",
                namespace(),
                diff,
                script.lines().count(),
                path,
                (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * Whether element-only changes go over netlink (the default) or, like structural ones, through
     * {@code nft}: for comparisons, and as a way around a kernel that refuses the fast path.
     */
    public synchronized void useNetlinkForElementChanges(boolean enabled) {
        this.fastPath = enabled;
    }

    /** Send-to-last-ack time of the last netlink transaction (benchmarks). */
    long lastNetlinkCommitNanos() {
        return netlink.lastCommitNanos();
    }

    /** Applies that went over netlink so far. */
    public synchronized long netlinkApplies() {
        return fastApplies;
    }

    /** Applies that ran {@code nft} so far (the first, structural ones, and large ones). */
    public synchronized long nftApplies() {
        return nftApplies;
    }

    /**
     * Rebuilds the whole table from {@link #current()} in one transaction, e.g. after
     * {@link #verify()} found drift (someone ran {@code nft flush ruleset}). Affinity memory is lost.
     */
    public synchronized void resync() {
        if (closed) {
            throw new IllegalStateException("balancer for namespace " + namespace() + " is closed");
        }
        nft.apply(renderer.full(programmed), "resync " + programmed);
        tableKnown = true;
    }

    /**
     * Reads the table back and compares its chains, verdict-map entries and slot elements with
     * what {@link #current()} needs.
     *
     * @return one line per difference; empty when the kernel holds what this balancer programmed
     */
    public synchronized List<String> verify() {
        String listing;
        try {
            listing = nft.query("list", "table", "inet", "shoal");
        } catch (BalancerException e) {
            return List.of("table inet shoal is missing: " + e.detail().strip());
        }
        List<String> problems = new ArrayList<>();
        compare("chain", chainsOf(renderer.full(programmed)), matches(CHAIN, listing), problems);
        compare("verdict-map entry", entries(renderer.verdictEntries(programmed)), entries(ENTRY, listing), problems);
        Set<String> slots = new TreeSet<>();
        Matcher m = SLOT.matcher(listing);
        while (m.find()) {
            slots.add(normalized(m.group(1) + Long.parseLong(m.group(2), 16) + " : " + m.group(3)));
        }
        compare("slot element", entries(renderer.slotEntries(programmed)), slots, problems);
        return problems;
    }

    private static Set<String> entries(Map<String, String> expected) {
        Set<String> out = new TreeSet<>();
        expected.forEach((k, v) -> out.add(normalized(k + " : " + v)));
        return out;
    }

    /** {@code key : value} with IPv6 literals in one form: nft lists them compressed. */
    static String normalized(String entry) {
        StringBuilder sb = new StringBuilder();
        String[] sides = entry.split(" : ", 2);
        for (int i = 0; i < sides.length; i++) {
            String[] parts = sides[i].split(" \\. ");
            for (int j = 0; j < parts.length; j++) {
                if (parts[j].indexOf(':') >= 0) {
                    parts[j] = IpLiterals.format(IpLiterals.parse(parts[j], "listed address"));
                }
            }
            sb.append(i == 0 ? "" : " : ").append(String.join(" . ", parts));
        }
        return sb.toString();
    }

    private static Set<String> entries(Pattern p, String text) {
        Set<String> found = new TreeSet<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            found.add(normalized(m.group(1) + " : " + m.group(2)));
        }
        return found;
    }

    private static void compare(String what, Set<String> expected, Set<String> actual, List<String> problems) {
        for (String c : expected) {
            if (!actual.contains(c)) {
                problems.add("missing " + what + " " + c);
            }
        }
        for (String c : actual) {
            if (!expected.contains(c)) {
                problems.add("unexpected " + what + " " + c);
            }
        }
    }

    private static Set<String> matches(Pattern p, String text) {
        Set<String> found = new LinkedHashSet<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    private static Set<String> chainsOf(String script) {
        Set<String> chains = new LinkedHashSet<>();
        for (String line : script.split("\n")) {
            if (line.startsWith("add chain ")) {
                chains.add(line.split(" ")[4]);
            }
        }
        return chains;
    }

    @Override
    public synchronized DesiredState current() {
        return programmed;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            nft.apply(renderer.teardown(), "close");
        } finally {
            netlink.close();
        }
        closed = true;
        programmed = DesiredState.empty();
    }
}
