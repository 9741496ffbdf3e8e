package io.shoal.balancer.ipvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.balancer.BalancerException;
import io.shoal.balancer.NetworkNamespace;
import io.shoal.balancer.ipvs.IpvsMarks.Target;
import io.shoal.balancer.nftables.NftablesSupport;
import io.shoal.balancer.spec.IpLiterals;
import io.shoal.balancer.spec.Protocol;
import io.shoal.netlink.nftables.NfTables;
import io.shoal.netlink.ns.NetNs;
import io.shoal.testbed.Requirements;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The marking half of IPVS fwmark services on this machine's kernel (which has nftables but no
 * IPVS): the {@code inet shoal-ipvs} table created, its marks written over nf_tables netlink, read
 * back by a new socket, repaired, refused changes leaving it as it was, and removed.
 */
@Tag("integration")
class VipMarkerIntegrationTest {
    private static final Target A = new Target(IpLiterals.parse("100.64.0.10", "vip"), Protocol.TCP);
    private static final Target B = new Target(IpLiterals.parse("100.64.0.10", "vip"), Protocol.UDP);
    private static final Target C = new Target(IpLiterals.parse("2001:db8::12", "vip"), Protocol.TCP);

    private final String ns =
            "vm" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
    private NetworkNamespace namespace;

    @BeforeEach
    void namespace() throws Exception {
        Requirements.requireRoot();
        Requirements.require(
                NftablesSupport.isAvailable(),
                "nftables: "
                        + NftablesSupport.unavailabilityCause()
                                .map(Throwable::getMessage)
                                .orElse(""));
        assertThat(sh("ip", "netns", "add", ns)).isZero();
        namespace = NetworkNamespace.named(ns);
    }

    @AfterEach
    void removeNamespace() throws Exception {
        sh("ip", "netns", "del", ns);
        assertThat(java.nio.file.Path.of("/run/netns", ns)).doesNotExist();
    }

    private VipMarker marker() {
        try (NetNs n = NetNs.openPath(namespace.path())) {
            return new VipMarker(namespace, NfTables.open(n));
        }
    }

    private String nft(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("ip", "netns", "exec", ns, "nft"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private static int sh(String... command) throws Exception {
        Process p = new ProcessBuilder(command).inheritIO().start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    @Test
    void marksAreWrittenReadBackRepairedAndRemoved() throws Exception {
        assertThat(VipMarker.unavailabilityCause(namespace)).isEmpty();
        Map<Target, Integer> marks = Map.of(A, 0x53480001, B, 0x53480002, C, 0x53480003);
        try (VipMarker m = marker()) {
            assertThat(m.adopt("test")).isEmpty();
            m.commit(Map.of(), marks, "test");
        }
        String listing = nft("list", "table", "inet", IpvsMarks.TABLE);
        assertThat(listing)
                .contains("100.64.0.10 . tcp : 0x53480001")
                .contains("100.64.0.10 . udp : 0x53480002")
                .contains("2001:db8::12 . tcp : 0x53480003")
                .contains("type filter hook prerouting priority mangle")
                .contains("type filter hook output priority mangle");

        // A new process adopts the marks; a damaged chain is refilled, the elements stay.
        nft("flush", "chain", "inet", IpvsMarks.TABLE, "prerouting");
        try (VipMarker m = marker()) {
            assertThat(m.adopt("test")).isEqualTo(marks);
            // Nothing to do for an equal set; a refused change (deleting a mark that is not
            // there, after a valid addition) applies nothing.
            m.commit(marks, marks, "test");
            Target d = new Target(IpLiterals.parse("100.64.0.11", "vip"), Protocol.TCP);
            java.util.Map<Target, Integer> from = new java.util.HashMap<>(marks);
            from.put(new Target(IpLiterals.parse("100.64.0.99", "vip"), Protocol.TCP), 0x53480009);
            java.util.Map<Target, Integer> to = new java.util.HashMap<>(marks);
            to.put(d, 0x53480004);
            assertThatThrownBy(() -> m.commit(from, to, "test"))
                    .isInstanceOf(BalancerException.class)
                    .hasMessageContaining("ENOENT")
                    .hasMessageContaining("nothing of this transaction was applied");
            assertThat(m.adopt("test")).isEqualTo(marks);
        }
        assertThat(nft("list", "table", "inet", IpvsMarks.TABLE)).isEqualTo(listing);

        try (VipMarker m = marker()) {
            m.remove("test");
            m.remove("test"); // already gone: still fine
        }
        assertThat(nft("list", "tables")).doesNotContain(IpvsMarks.TABLE);
    }

    @Test
    void aTableWithMapsOfAnotherTypeIsReplaced() throws Exception {
        nft("add", "table", "inet", IpvsMarks.TABLE);
        nft("add", "map", "inet", IpvsMarks.TABLE, IpvsMarks.MAP4, "{ type ipv4_addr : mark; }");
        try (VipMarker m = marker()) {
            assertThat(m.adopt("test")).isEmpty();
            m.commit(Map.of(), Map.of(A, 0x53480001), "test");
            assertThat(m.adopt("test")).isEqualTo(Map.of(A, 0x53480001));
            m.remove("test");
        }
    }
}
