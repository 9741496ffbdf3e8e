package io.shoal.agent.net;

import io.shoal.balancer.NetworkNamespace;
import io.shoal.balancer.nftables.NftCommand;
import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.route.Route;
import io.shoal.netlink.route.RouteNetlink;
import io.shoal.netlink.route.Rule;
import io.shoal.netlink.uapi.SocketH;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routing that lets the mesh connect to a local task from the client's own address (the
 * {@code local} traffic policy without PROXY protocol), as the Linux TPROXY documentation
 * describes: replies for a foreign address must reach the mesh's transparent socket instead of
 * being forwarded.
 *
 * <p>On the node: an nftables table {@code ip <table>} whose prerouting chain (mangle priority)
 * marks packets that belong to a transparent socket ({@code socket transparent 1 meta mark set
 * <mark>}), a policy rule {@code fwmark <mark> lookup <routeTable>} and a route {@code local
 * 0.0.0.0/0 dev lo table <routeTable>}. In each task served transparently: its default route via
 * the node's own address on the ingress network, so that replies to outside clients come back
 * through this node. Rules and routes go through netlink; nftables through {@code nft -f -}.
 *
 * <p>{@link #install} is idempotent (a restarted agent adopts what is there); {@link #remove}
 * takes the node's part away (the tasks' routes go with their namespaces).
 */
public final class TransparentRouting {
    private static final Logger log = LoggerFactory.getLogger(TransparentRouting.class);

    /**
     * The node-side settings.
     *
     * @param mark the packet mark given to a transparent socket's packets (u32, not 0)
     * @param routeTable the routing table holding the local default route (1..252)
     * @param rulePriority the policy rule's preference (1..32765, before the main table's 32766)
     * @param nftTable the name of the nftables table (family ip)
     */
    public record Settings(long mark, int routeTable, int rulePriority, String nftTable) {
        /** Mark 0x5e, table 94, rule priority 9400, nftables table {@code shoal_tproxy}. */
        public static final Settings DEFAULT = new Settings(0x5e, 94, 9400, "shoal_tproxy");

        public Settings {
            if (mark <= 0 || mark > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("transparent mark: " + mark + " must be a non-zero u32");
            }
            if (routeTable < 1 || routeTable > 252) {
                throw new IllegalArgumentException(
                        "transparent route table: " + routeTable + " is outside 1..252 (253-255 are the kernel's)");
            }
            if (rulePriority < 1 || rulePriority > 32765) {
                throw new IllegalArgumentException(
                        "transparent rule priority: " + rulePriority + " is outside 1..32765");
            }
            Objects.requireNonNull(nftTable, "nftTable");
            if (!nftTable.matches("[a-zA-Z][a-zA-Z0-9_]{0,30}")) {
                throw new IllegalArgumentException("transparent nft table: '" + nftTable + "' is not a plain name");
            }
        }

        Rule rule() {
            return Rule.fwmark(rulePriority, mark, routeTable);
        }
    }

    private final Settings settings;
    private final NetNs node;
    private final NftCommand nft;

    /**
     * @param node the node's namespace (rule and route go there)
     * @param nftNamespace the same namespace, as nft is run in it
     */
    public TransparentRouting(Settings settings, NetNs node, NetworkNamespace nftNamespace) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.node = Objects.requireNonNull(node, "node");
        this.nft = new NftCommand(Objects.requireNonNull(nftNamespace, "nftNamespace"));
    }

    /** The settings. */
    public Settings settings() {
        return settings;
    }

    /** The nftables script that (re)makes the marking table in one transaction. */
    String nftScript() {
        String t = settings.nftTable();
        // "add" then "delete" then the table: atomic replace whether or not it existed.
        return "add table ip " + t + "\n"
                + "delete table ip " + t + "\n"
                + "table ip " + t + " {\n"
                + "    chain pre {\n"
                + "        type filter hook prerouting priority mangle; policy accept;\n"
                + "        socket transparent 1 meta mark set 0x" + Long.toHexString(settings.mark()) + "\n"
                + "    }\n"
                + "}\n";
    }

    /** Installs (or repairs) the node's part: nftables marking, rule, local route. */
    public void install() {
        nft.apply(nftScript(), "transparent routing: mark");
        try (RouteNetlink rt = RouteNetlink.open(node)) {
            int lo = rt.links().require("lo").index();
            boolean added = rt.rules().ensure(settings.rule());
            rt.routes().replace(Route.local(any(), 0, lo, settings.routeTable()));
            log.info(
                    "transparent routing: {}; local 0.0.0.0/0 dev lo table {}; nft table ip {} ({})",
                    settings.rule(),
                    settings.routeTable(),
                    settings.nftTable(),
                    added ? "installed" : "adopted");
        }
    }

    /** True when the node's rule and local route are in place (nftables is not checked). */
    public boolean installed() {
        try (RouteNetlink rt = RouteNetlink.open(node)) {
            return rt.rules().list(SocketH.AF_INET).stream().anyMatch(settings.rule()::sameAs)
                    && rt.routes().list(SocketH.AF_INET, settings.routeTable()).stream()
                            .anyMatch(r -> r.isLocal() && r.prefixLength() == 0);
        }
    }

    /** Removes the node's part; what is already gone is skipped. */
    public void remove() {
        try (RouteNetlink rt = RouteNetlink.open(node)) {
            rt.rules().deleteAll(settings.rule());
            for (Route r : rt.routes().list(SocketH.AF_INET, settings.routeTable())) {
                if (r.isLocal() && r.prefixLength() == 0) {
                    rt.routes().delete(r);
                }
            }
        }
        try {
            nft.apply(
                    "add table ip " + settings.nftTable() + "\ndelete table ip " + settings.nftTable() + "\n",
                    "transparent routing: remove");
        } catch (RuntimeException e) {
            log.warn("transparent routing: removing nft table ip {}: {}", settings.nftTable(), e.getMessage());
        }
        log.info("transparent routing removed ({}, table {})", settings.rule(), settings.routeTable());
    }

    /**
     * Routes a task's replies to outside clients through this node: its default route via {@code
     * nodeIngress} (this node's address on the ingress network) out of {@code ifName}, the task's
     * ingress interface. Replaces a default route that is there.
     */
    public static void routeRepliesViaNode(String taskNamespace, String ifName, Inet4Address nodeIngress) {
        try (NetNs ns = NetNs.open(taskNamespace);
                RouteNetlink rt = RouteNetlink.open(ns)) {
            int index = rt.links().require(ifName).index();
            rt.routes().replace(Route.defaultVia(nodeIngress, index));
        } catch (NetlinkException e) {
            throw new IllegalStateException(
                    "task namespace " + taskNamespace + ": default route via " + nodeIngress.getHostAddress() + " dev "
                            + ifName + ": " + e.getMessage(),
                    e);
        }
    }

    private static InetAddress any() {
        try {
            return InetAddress.getByAddress(new byte[4]);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "transparent routing (mark 0x%x, table %d, pref %d, nft ip %s)",
                settings.mark(),
                settings.routeTable(),
                settings.rulePriority(),
                settings.nftTable());
    }
}
