package io.shoal.balancer.nftables;

import static io.shoal.balancer.lab.NamespaceLab.TCP_PORT;
import static io.shoal.balancer.lab.NamespaceLab.backendAddress;
import static io.shoal.balancer.lab.NamespaceLab.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shoal.balancer.BalancerException;
import io.shoal.balancer.NetworkNamespace;
import io.shoal.balancer.lab.NamespaceLab;
import io.shoal.balancer.spec.Algorithm;
import io.shoal.balancer.spec.Backend;
import io.shoal.balancer.spec.BalancerOptions;
import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.VirtualService;
import io.shoal.netlink.nftables.NftKey;
import io.shoal.netlink.nftables.SetElement;
import io.shoal.netlink.nftables.SetElementChange;
import io.shoal.testbed.Requirements;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The netlink fast path of the nftables backend against the real kernel: element-only changes go
 * over netlink (not nft), change exactly the elements they should (read back independently with
 * {@code nft -j}), keep traffic balancing, and a refused element leaves everything as it was.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NftablesFastPathIntegrationTest {
    private static final Logger LOG = LoggerFactory.getLogger(NftablesFastPathIntegrationTest.class);
    private static final String VIP = "100.64.0.10";
    private static final ObjectMapper JSON = new ObjectMapper();

    private NamespaceLab lab;
    private NftablesBalancer balancer;

    /** Appends a step the kernel refuses (ENOENT: an element that is not there) to the next transaction. */
    private static final class SabotagedNetlink extends NftNetlink {
        final AtomicBoolean sabotageNext = new AtomicBoolean();

        SabotagedNetlink(NetworkNamespace ns) {
            super(ns);
        }

        @Override
        synchronized void commit(List<SetElementChange> changes, String what) {
            if (sabotageNext.getAndSet(false)) {
                List<SetElementChange> bad = new ArrayList<>(changes);
                bad.add(SetElementChange.delete(
                        "shoal",
                        "backends4",
                        List.of(SetElement.key(NftKey.builder()
                                .ipv4(ip("100.64.255.254"))
                                .protocol(6)
                                .port(1)
                                .mark(0)
                                .bytes()))));
                changes = bad;
            }
            super.commit(changes, what);
        }
    }

    @BeforeAll
    void startLab() {
        Requirements.requireRoot();
        Requirements.require(NftablesSupport.isAvailable(), "nftables with NAT");
        lab = NamespaceLab.start(3);
    }

    @AfterAll
    void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @AfterEach
    void closeBalancer() {
        if (balancer != null) {
            balancer.close();
            balancer = null;
        }
    }

    private NetworkNamespace client() {
        return NetworkNamespace.named(lab.clientNs());
    }

    /** Consistent hashing keeps its table size whatever the backends: a backend change is only slot elements. */
    private static VirtualService.Builder web() {
        return VirtualService.builder("web")
                .vip(VIP)
                .port(80)
                .algorithm(Algorithm.CONSISTENT_HASH)
                .backend(backendAddress(1), TCP_PORT)
                .backend(backendAddress(2), TCP_PORT)
                .backend(backendAddress(3), TCP_PORT);
    }

    @Test
    void thousandServicesThenOneBackendChangedOverNetlinkChangesExactlyThatElement() throws Exception {
        balancer = NftablesBalancer.create(client(), BalancerOptions.defaults());
        List<VirtualService> services = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            VirtualService.Builder b = VirtualService.builder("s" + i)
                    .vip("100.65." + (i / 250) + "." + (i % 250 + 1))
                    .port(80);
            for (int j = 1; j <= 10; j++) {
                b.backend("198.18.1." + j, 8080);
            }
            services.add(b.build());
        }
        services.add(web().build());
        DesiredState full = DesiredState.of(services);
        balancer.apply(full);
        assertThat(balancer.nftApplies()).isEqualTo(1);
        Map<String, String> slotsBefore = elements("map", "backends4");
        Map<String, String> verdictsBefore = elements("map", "services4");
        assertThat(slotsBefore).hasSize(1000 * 10 + 251);

        VirtualService changed = services.get(500).toBuilder()
                .backends(replaceLast(services.get(500).backends(), Backend.of("198.18.1.99", 8080)))
                .build();
        DesiredState next = full.with(changed);
        long t0 = System.nanoTime();
        balancer.apply(next);
        LOG.info("fast path: one backend of 1,000 x 10 changed in {} ms", (System.nanoTime() - t0) / 1_000_000);

        assertThat(balancer.netlinkApplies()).as("went over netlink").isEqualTo(1);
        assertThat(balancer.nftApplies()).as("nft not run again").isEqualTo(1);
        Map<String, String> slotsAfter = elements("map", "backends4");
        Map<String, String> expected = new TreeMap<>(slotsBefore);
        expected.put("100.65.2.1 . tcp . 80 . 9", "198.18.1.99 . 8080");
        assertThat(slotsAfter).isEqualTo(expected);
        assertThat(elements("map", "services4")).isEqualTo(verdictsBefore);
        // The leaving backend is draining: in both drain sets, with the drain timeout in "grace".
        assertThat(elements("set", "leaving4")).containsOnlyKeys("100.65.2.1 . tcp . 198.18.1.10 . 8080");
        assertThat(elements("set", "grace4"))
                .containsExactly(Map.entry("100.65.2.1 . tcp . 198.18.1.10 . 8080", "timeout 30"));
        assertThat(balancer.current()).isEqualTo(next);
        assertThat(balancer.verify()).isEmpty();

        // Traffic to the one service with live backends balances, before and after its own fast change.
        assertThat(count(lab.tcpAnswers(VIP, 80, 30))).containsOnlyKeys("b1", "b2", "b3");
        DesiredState withoutB3 = next.with(web().backends(
                        List.of(Backend.of(backendAddress(1), TCP_PORT), Backend.of(backendAddress(2), TCP_PORT)))
                .build());
        balancer.apply(withoutB3);
        assertThat(balancer.netlinkApplies()).isEqualTo(2);
        assertThat(balancer.nftApplies()).isEqualTo(1);
        assertThat(count(lab.tcpAnswers(VIP, 80, 30))).containsOnlyKeys("b1", "b2");
        assertThat(balancer.verify()).isEmpty();
    }

    @Test
    void elementTheKernelRefusesLeavesThePreviousStateAndTraffic() throws Exception {
        SabotagedNetlink netlink = new SabotagedNetlink(client());
        balancer = new NftablesBalancer(
                new NftCommand(client()), netlink, BalancerOptions.defaults(), NftablesSupport.ctTimeoutsAvailable());
        DesiredState first = DesiredState.of(web().build());
        balancer.apply(first);
        Map<String, String> slots = elements("map", "backends4");
        Map<String, String> leaving = elements("set", "leaving4");
        DesiredState second = DesiredState.of(
                web().backends(List.of(Backend.of(backendAddress(1), TCP_PORT))).build());

        netlink.sabotageNext.set(true);
        assertThatThrownBy(() -> balancer.apply(second))
                .isInstanceOf(BalancerException.class)
                .hasMessageContaining("nf_tables transaction")
                .hasMessageContaining("in namespace " + lab.clientNs())
                .hasMessageContaining("NFT_MSG_DELSETELEM delete 1 element from inet shoal backends4")
                .hasMessageContaining("ENOENT")
                .hasMessageContaining("nothing of this transaction was applied");

        // None of the valid steps before the refused one took effect.
        assertThat(balancer.current()).isEqualTo(first);
        assertThat(elements("map", "backends4")).isEqualTo(slots);
        assertThat(elements("set", "leaving4")).isEqualTo(leaving);
        assertThat(balancer.verify()).isEmpty();
        assertThat(count(lab.tcpAnswers(VIP, 80, 30))).containsOnlyKeys("b1", "b2", "b3");

        balancer.apply(second);
        assertThat(balancer.netlinkApplies()).isEqualTo(1);
        assertThat(count(lab.tcpAnswers(VIP, 80, 10))).containsOnlyKeys("b1");
        assertThat(balancer.verify()).isEmpty();
    }

    @Test
    void driftTheFastPathTripsOverIsReportedAndResyncRepairsIt() throws Exception {
        balancer = NftablesBalancer.create(client(), BalancerOptions.defaults());
        DesiredState first = DesiredState.of(web().build());
        balancer.apply(first);
        // Someone deletes one of the service's slots behind the balancer's back ...
        String slot = elements("map", "backends4").keySet().iterator().next();
        new NftCommand(client()).apply("delete element inet shoal backends4 { " + slot + " }\n", "drift");
        // ... and the next change has to replace every slot (the backends all change).
        DesiredState second = DesiredState.of(web().backends(List.of(
                        Backend.of(backendAddress(1), 8081),
                        Backend.of(backendAddress(2), 8081),
                        Backend.of(backendAddress(3), 8081)))
                .build());
        assertThatThrownBy(() -> balancer.apply(second))
                .isInstanceOf(BalancerException.class)
                .hasMessageContaining("ENOENT");
        assertThat(balancer.current()).isEqualTo(first);
        assertThat(balancer.verify()).containsExactly("missing slot element " + slot + " : " + slotValue(first, slot));
        balancer.resync();
        assertThat(balancer.verify()).isEmpty();
        balancer.apply(second);
        assertThat(balancer.current()).isEqualTo(second);
        assertThat(balancer.verify()).isEmpty();
    }

    @Test
    void aNamespaceMadeAgainUnderTheSameNameIsNotWrittenThroughTheOldSocket() throws Exception {
        String name = lab.prefix() + "re";
        run("ip", "netns", "add", name);
        try {
            balancer = NftablesBalancer.create(NetworkNamespace.named(name), BalancerOptions.defaults());
            DesiredState one = DesiredState.of(web().build());
            DesiredState two = DesiredState.of(web().backends(
                            List.of(Backend.of(backendAddress(1), TCP_PORT), Backend.of(backendAddress(2), TCP_PORT)))
                    .build());
            balancer.apply(one);
            balancer.apply(two);
            assertThat(balancer.netlinkApplies()).isEqualTo(1);

            run("ip", "netns", "del", name);
            run("ip", "netns", "add", name);
            // The old socket still reaches the old (now unnamed) namespace; the balancer must talk to
            // the new one, which has no Shoal table: refused, as nft would be.
            assertThatThrownBy(() -> balancer.apply(one))
                    .isInstanceOf(BalancerException.class)
                    .hasMessageContaining("in namespace " + name)
                    .hasMessageContaining("ENOENT");
            assertThat(balancer.current()).isEqualTo(two);
            balancer.resync();
            balancer.apply(one);
            assertThat(balancer.netlinkApplies()).isEqualTo(2);
            assertThat(balancer.verify()).isEmpty();
        } finally {
            if (balancer != null) {
                balancer.close();
                balancer = null;
            }
            run("ip", "netns", "del", name);
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", command), out).isZero();
    }

    private String slotValue(DesiredState state, String slot) {
        return new NftRenderer(BalancerOptions.defaults(), NftablesSupport.ctTimeoutsAvailable())
                .slotEntries(state)
                .get(slot);
    }

    /**
     * A map's or set's elements as {@code nft -j} lists them: key parts joined with {@code " . "}
     * to value parts (or {@code goto <chain>}; for a set, {@code timeout <s>} or empty).
     */
    private Map<String, String> elements(String kind, String name) throws Exception {
        String json = new NftCommand(client()).query("-j", "list", kind, "inet", "shoal", name);
        Map<String, String> out = new TreeMap<>();
        for (JsonNode item : JSON.readTree(json).get("nftables")) {
            JsonNode object = item.get(kind);
            if (object == null || object.get("elem") == null) {
                continue;
            }
            for (JsonNode e : object.get("elem")) {
                if (e.isArray()) { // map: [key, value]
                    out.put(text(e.get(0)), text(e.get(1)));
                } else if (e.has("elem")) { // set element with a timeout
                    JsonNode inner = e.get("elem");
                    out.put(
                            text(inner.get("val")),
                            inner.has("timeout")
                                    ? "timeout " + inner.get("timeout").asText()
                                    : "");
                } else {
                    out.put(text(e), "");
                }
            }
        }
        return out;
    }

    private static String text(JsonNode n) {
        if (n.has("concat")) {
            List<String> parts = new ArrayList<>();
            n.get("concat").forEach(p -> parts.add(p.asText()));
            return String.join(" . ", parts);
        }
        if (n.has("goto")) {
            return "goto " + n.get("goto").get("target").asText();
        }
        return n.asText();
    }

    private static List<Backend> replaceLast(List<Backend> backends, Backend replacement) {
        List<Backend> copy = new ArrayList<>(backends.subList(0, backends.size() - 1));
        copy.add(replacement);
        return copy;
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
