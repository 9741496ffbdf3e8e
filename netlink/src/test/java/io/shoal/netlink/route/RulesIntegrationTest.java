package io.shoal.netlink.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.netlink.Errno;
import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.testing.Requirements;
import io.shoal.netlink.testing.Scratch;
import io.shoal.netlink.uapi.RtnetlinkH;
import io.shoal.netlink.uapi.SocketH;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Policy routing rules and local routes in a fresh namespace: what a transparent proxy needs
 * ({@code ip rule add fwmark 0x5e lookup 94}, {@code ip route add local 0.0.0.0/0 dev lo table 94}),
 * made through netlink and checked with iproute2's view and the kernel's routing decision.
 */
@Tag("integration")
class RulesIntegrationTest {
    private Scratch scratch;
    private NetNs ns;
    private String name;
    private RouteNetlink rt;

    @BeforeEach
    void namespace() {
        Requirements.requireNamespaces();
        scratch = new Scratch();
        ns = scratch.namespace("r");
        name = scratch.name("r");
        rt = RouteNetlink.open(ns);
        rt.links().setUp("lo");
    }

    @AfterEach
    void cleanUp() {
        if (rt != null) {
            rt.close();
        }
        if (scratch != null) {
            scratch.close();
        }
    }

    @Test
    void markRuleAndLocalRouteDeliverMarkedPacketsToThisHost() throws Exception {
        int lo = rt.links().require("lo").index();
        Rule rule = Rule.fwmark(9400, 0x5e, 94);
        Route local = Route.local(ip("0.0.0.0"), 0, lo, 94);

        assertThat(rt.rules().ensure(rule)).isTrue();
        assertThat(rt.rules().ensure(rule)).as("second ensure adopts").isFalse();
        assertThatThrownBy(() -> rt.rules().add(rule))
                .isInstanceOf(NetlinkException.class)
                .hasMessageContaining("RTM_NEWRULE add rule pref 9400 fwmark 0x5e lookup 94")
                .satisfies(
                        e -> assertThat(((NetlinkException) e).is(Errno.EEXIST)).isTrue());
        rt.routes().add(local);
        rt.routes().replace(local); // idempotent form

        assertThat(rt.rules().list(SocketH.AF_INET)).containsExactly(rule);
        assertThat(rt.routes().list(SocketH.AF_INET, 94)).containsExactly(local);
        assertThat(rt.routes().list(SocketH.AF_INET)).as("main table only").doesNotContain(local);
        assertThat(iproute("rule", "show")).contains("9400:\tfrom all fwmark 0x5e lookup 94");
        assertThat(iproute("route", "show", "table", "94")).contains("local default dev lo");
        // The kernel's decision: a marked packet to any address is delivered here; unmarked is not.
        assertThat(iproute("route", "get", "198.18.1.9", "mark", "0x5e"))
                .startsWith("local 198.18.1.9 dev lo table 94");
        ProcessBuilder unmarked =
                new ProcessBuilder("ip", "-n", name, "route", "get", "198.18.1.9").redirectErrorStream(true);
        Process p = unmarked.start();
        String answer = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        assertThat(answer).as("no route without the mark").contains("Network is unreachable");

        rt.routes().delete(local);
        assertThat(rt.rules().deleteAll(rule)).isEqualTo(1);
        assertThat(rt.rules().deleteAll(rule)).isZero();
        assertThat(rt.rules().list(SocketH.AF_INET)).isEmpty();
        assertThat(rt.routes().list(SocketH.AF_INET, 94)).isEmpty();
        assertThat(iproute("rule", "show")).doesNotContain("fwmark 0x5e");
        assertThatThrownBy(() -> rt.rules().delete(rule))
                .isInstanceOf(NetlinkException.class)
                .hasMessageContaining("RTM_DELRULE delete rule pref 9400 fwmark 0x5e lookup 94")
                .satisfies(
                        e -> assertThat(((NetlinkException) e).is(Errno.ENOENT)).isTrue());
    }

    @Test
    void rulesAddedByIproute2AreListedAndTheKernelsOwnAreNot() throws Exception {
        iproute("rule", "add", "pref", "500", "fwmark", "0x7/0xff", "lookup", "1000");
        iproute("rule", "add", "pref", "600", "from", "198.18.1.0/24", "lookup", "95");
        assertThat(rt.rules().list(SocketH.AF_INET))
                .containsExactly(new Rule(SocketH.AF_INET, 500, 7, 0xff, 1000, java.util.Optional.empty()));
        assertThat(rt.routes().list(SocketH.AF_INET, RtnetlinkH.RT_TABLE_LOCAL))
                .allMatch(Route::isLocal)
                .anyMatch(r -> r.destination().equals(ip("127.0.0.1")));
    }

    private String iproute(String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 3];
        cmd[0] = "ip";
        cmd[1] = "-n";
        cmd[2] = name;
        cmd[3] = args[0];
        System.arraycopy(args, 1, cmd, 4, args.length - 1);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", cmd), out).isZero();
        return out;
    }

    private static InetAddress ip(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(text, e);
        }
    }
}
