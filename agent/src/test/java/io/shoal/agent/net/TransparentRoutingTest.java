package io.shoal.agent.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.balancer.NetworkNamespace;
import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.route.RouteNetlink;
import io.shoal.testbed.Requirements;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The agent's policy routing for transparent local forwarding, in namespaces this test makes: the
 * node part installs, is adopted by a second install without duplicates and goes on removal; a
 * task's reply route points at the node over its interface.
 */
@Tag("integration")
class TransparentRoutingTest {
    private String nodeName;
    private String taskName;
    private NetNs node;
    private NetNs task;

    @BeforeEach
    void namespaces() {
        Requirements.requireRoot();
        String id = HexFormat.of()
                .toHexDigits(ThreadLocalRandom.current().nextInt())
                .substring(0, 6);
        nodeName = "trn" + id;
        taskName = "trt" + id;
        node = NetNs.create(nodeName);
        task = NetNs.create(taskName);
        try (RouteNetlink rt = RouteNetlink.open(node)) {
            rt.links().setUp("lo");
        }
    }

    @AfterEach
    void cleanUp() {
        if (node != null) {
            node.close();
        }
        if (task != null) {
            task.close();
        }
        NetNs.deleteIfPresent(nodeName);
        NetNs.deleteIfPresent(taskName);
    }

    @Test
    void nodePartIsInstalledAdoptedAndRemoved() throws Exception {
        TransparentRouting routing =
                new TransparentRouting(TransparentRouting.Settings.DEFAULT, node, NetworkNamespace.named(nodeName));
        assertThat(routing.installed()).isFalse();
        routing.install();
        routing.install(); // a restarted agent: adopts, adds nothing twice
        assertThat(routing.installed()).isTrue();
        assertThat(run("ip", "-n", nodeName, "rule", "show"))
                .containsOnlyOnce("fwmark 0x5e lookup 94")
                .contains("9400:");
        assertThat(run("ip", "-n", nodeName, "route", "show", "table", "94").strip())
                .isEqualTo("local default dev lo scope host");
        assertThat(run("ip", "netns", "exec", nodeName, "nft", "list", "table", "ip", "shoal_tproxy"))
                .contains("type filter hook prerouting priority mangle; policy accept;")
                .containsOnlyOnce("socket transparent 1 meta mark set 0x0000005e");

        routing.remove();
        assertThat(routing.installed()).isFalse();
        assertThat(run("ip", "-n", nodeName, "rule", "show")).doesNotContain("fwmark 0x5e");
        assertThat(run("ip", "-n", nodeName, "route", "show", "table", "94")).isEmpty();
        assertThat(run("ip", "netns", "exec", nodeName, "nft", "list", "tables"))
                .doesNotContain("shoal_tproxy");
        routing.remove(); // nothing left: still fine
    }

    @Test
    void taskRepliesAreRoutedViaTheNodesIngressAddress() throws Exception {
        try (RouteNetlink rt = RouteNetlink.open(node)) {
            rt.links().createVeth("ti0", "eth1");
        }
        run("ip", "-n", nodeName, "link", "set", "eth1", "netns", taskName);
        run("ip", "-n", taskName, "addr", "add", "100.64.0.7/24", "dev", "eth1");
        run("ip", "-n", taskName, "link", "set", "eth1", "up");
        Inet4Address nodeIngress = (Inet4Address) InetAddress.getByName("100.64.0.254");

        TransparentRouting.routeRepliesViaNode(taskName, "eth1", nodeIngress);
        TransparentRouting.routeRepliesViaNode(taskName, "eth1", nodeIngress); // idempotent
        assertThat(run("ip", "-n", taskName, "route", "show", "default").lines())
                .singleElement()
                .asString()
                .startsWith("default via 100.64.0.254 dev eth1");
        assertThat(run("ip", "-n", taskName, "route", "get", "198.18.1.9"))
                .startsWith("198.18.1.9 via 100.64.0.254 dev eth1");

        assertThatThrownBy(() -> TransparentRouting.routeRepliesViaNode(taskName, "eth9", nodeIngress))
                .hasMessageContaining("task namespace " + taskName + ": default route via 100.64.0.254 dev eth9");
    }

    @Test
    void badSettingsNameTheField() {
        assertThatThrownBy(() -> new TransparentRouting.Settings(0, 94, 9400, "t"))
                .hasMessageStartingWith("transparent mark: 0");
        assertThatThrownBy(() -> new TransparentRouting.Settings(1, 254, 9400, "t"))
                .hasMessageStartingWith("transparent route table: 254 is outside 1..252");
        assertThatThrownBy(() -> new TransparentRouting.Settings(1, 94, 32766, "t"))
                .hasMessageStartingWith("transparent rule priority: 32766");
        assertThatThrownBy(() -> new TransparentRouting.Settings(1, 94, 9400, "a;b"))
                .hasMessageStartingWith("transparent nft table: 'a;b'");
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", cmd), out).isZero();
        return out;
    }
}
