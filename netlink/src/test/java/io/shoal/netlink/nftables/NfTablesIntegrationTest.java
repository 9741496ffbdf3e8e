package io.shoal.netlink.nftables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.testing.Requirements;
import io.shoal.netlink.testing.Scratch;
import io.shoal.netlink.uapi.NfnetlinkH;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Set-element transactions against the real kernel in a scratch namespace. The table is made with
 * the {@code nft} tool (only tests shell out), and its listing is the independent read-back.
 */
@Tag("integration")
class NfTablesIntegrationTest {
    private static final String TABLE =
            """
            add table inet t
            add chain inet t pick_a
            add chain inet t pick_b
            add map inet t services4 { type ipv4_addr . inet_proto . inet_service : verdict; }
            add map inet t backends4 { type ipv4_addr . inet_proto . inet_service . mark : ipv4_addr . inet_service; }
            add set inet t leaving4 { type ipv4_addr . inet_proto . ipv4_addr . inet_service; flags timeout; }
            add element inet t backends4 { 100.64.0.10 . tcp . 80 . 0 : 198.18.0.11 . 8080 }
            """;

    private Scratch scratch;
    private NetNs ns;

    @BeforeEach
    void setUp() throws Exception {
        Requirements.requireNamespaces();
        Requirements.require(onPath("nft"), "the nft tool to build and list the test's table");
        scratch = new Scratch();
        ns = scratch.namespace("nft");
        nft(TABLE, "-f", "-");
    }

    @AfterEach
    void cleanUp() {
        if (scratch != null) {
            scratch.close();
        }
    }

    @Test
    void elementsAddedAndDeletedInOneTransactionShowInNftsListing() throws Exception {
        try (NfTables nf = NfTables.open(ns)) {
            nf.commit(List.of(
                    SetElementChange.delete("t", "backends4", List.of(SetElement.key(slot(80, 0)))),
                    SetElementChange.add(
                            "t",
                            "backends4",
                            List.of(
                                    SetElement.mapping(slot(80, 0), backend("198.18.0.12", 8080)),
                                    SetElement.mapping(slot(80, 1), backend("198.18.0.13", 8081)))),
                    SetElementChange.add(
                            "t", "services4", List.of(SetElement.verdict(service(80), NftVerdict.goTo("pick_a")))),
                    SetElementChange.add(
                            "t",
                            "leaving4",
                            List.of(SetElement.key(drain("198.18.0.11", 8080)).withTimeoutMillis(600_000)))));

            String listing = nft("", "list", "table", "inet", "t");
            assertThat(listing)
                    .contains("100.64.0.10 . tcp . 80 . 0x00000000 : 198.18.0.12 . 8080")
                    .contains("100.64.0.10 . tcp . 80 . 0x00000001 : 198.18.0.13 . 8081")
                    .doesNotContain("198.18.0.11 . 8080,")
                    .contains("100.64.0.10 . tcp . 80 : goto pick_a")
                    .contains("100.64.0.10 . tcp . 198.18.0.11 . 8080 timeout 10m");
            // Read back over netlink too: the dump decodes to what was sent.
            assertThat(nf.elements(NfnetlinkH.NFPROTO_INET, "t", "backends4"))
                    .containsExactlyInAnyOrder(
                            SetElement.mapping(slot(80, 0), backend("198.18.0.12", 8080)),
                            SetElement.mapping(slot(80, 1), backend("198.18.0.13", 8081)));
            assertThat(nf.elements(NfnetlinkH.NFPROTO_INET, "t", "services4"))
                    .containsExactly(SetElement.verdict(service(80), NftVerdict.goTo("pick_a")));
        }
    }

    @Test
    void aRefusedElementAbortsTheWholeTransaction() throws Exception {
        String before = nft("", "list", "table", "inet", "t");
        try (NfTables nf = NfTables.open(ns)) {
            List<SetElementChange> changes = List.of(
                    SetElementChange.add(
                            "t", "backends4", List.of(SetElement.mapping(slot(80, 1), backend("198.18.0.13", 8080)))),
                    SetElementChange.add(
                            "t", "services4", List.of(SetElement.verdict(service(80), NftVerdict.goTo("pick_a")))),
                    // not there: ENOENT, and the kernel aborts everything of this batch
                    SetElementChange.delete("t", "backends4", List.of(SetElement.key(slot(443, 7)))));
            assertThatThrownBy(() -> nf.commit(changes))
                    .isInstanceOf(NetlinkException.class)
                    .hasMessageContaining("ENOENT")
                    .hasMessageContaining("NFT_MSG_DELSETELEM delete 1 element from inet t backends4");
            assertThat(nft("", "list", "table", "inet", "t")).isEqualTo(before);

            // A verdict naming a chain that does not exist: refused, with the socket still usable.
            assertThatThrownBy(() -> nf.commit(List.of(SetElementChange.add(
                            "t", "services4", List.of(SetElement.verdict(service(81), NftVerdict.goTo("nope")))))))
                    .isInstanceOf(NetlinkException.class)
                    .hasMessageContaining("ENOENT");
            // An existing key with another value: refused (EEXIST on 6.18, EBUSY on older kernels), as "nft add
            // element" is.
            assertThatThrownBy(() -> nf.commit(List.of(SetElementChange.add(
                            "t", "backends4", List.of(SetElement.mapping(slot(80, 0), backend("198.18.0.99", 1)))))))
                    .isInstanceOf(NetlinkException.class)
                    .hasMessageMatching("(?s).*(EEXIST|EBUSY).*");
            // A missing table: the kernel says which attribute.
            assertThatThrownBy(() -> nf.commit(
                            List.of(SetElementChange.add("nosuch", "backends4", List.of(SetElement.key(slot(80, 0)))))))
                    .isInstanceOf(NetlinkException.class)
                    .hasMessageContaining("ENOENT");
            assertThat(nft("", "list", "table", "inet", "t")).isEqualTo(before);

            nf.commit(List.of(SetElementChange.add(
                    "t", "backends4", List.of(SetElement.mapping(slot(80, 1), backend("198.18.0.13", 8080))))));
            assertThat(nft("", "list", "table", "inet", "t")).contains("80 . 0x00000001 : 198.18.0.13 . 8080");
        }
    }

    @Test
    void manyElementsSplitOverSeveralMessagesOfOneTransaction() throws Exception {
        List<SetElement> many = new ArrayList<>();
        for (int i = 1; i <= 3000; i++) {
            many.add(SetElement.mapping(slot(80, i), backend("198.18.1." + (i % 250 + 1), 8080)));
        }
        try (NfTables nf = NfTables.open(ns)) {
            assertThat(NfTables.requests(List.of(SetElementChange.add("t", "backends4", many))))
                    .hasSizeGreaterThan(1);
            nf.commit(List.of(SetElementChange.add("t", "backends4", many)));
            assertThat(nf.elements(NfnetlinkH.NFPROTO_INET, "t", "backends4")).hasSize(3000 + 1);
        }
    }

    private static byte[] slot(int port, int slot) {
        return NftKey.builder()
                .ipv4(ip("100.64.0.10"))
                .protocol(6)
                .port(port)
                .mark(slot)
                .bytes();
    }

    private static byte[] service(int port) {
        return NftKey.builder().ipv4(ip("100.64.0.10")).protocol(6).port(port).bytes();
    }

    private static byte[] backend(String address, int port) {
        return NftKey.builder().ipv4(ip(address)).port(port).bytes();
    }

    private static byte[] drain(String address, int port) {
        return NftKey.builder()
                .ipv4(ip("100.64.0.10"))
                .protocol(6)
                .ipv4(ip(address))
                .port(port)
                .bytes();
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private String nft(String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + ns.name(), "--", "nft"));
        command.addAll(List.of(args));
        Path in = Files.createTempFile("nft-test", ".in");
        Path out = Files.createTempFile("nft-test", ".out");
        try {
            Files.writeString(in, stdin);
            Process p = new ProcessBuilder(command)
                    .redirectInput(in.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command + " did not finish in 60 s");
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as("%s: %s", command, text).isZero();
            return text;
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
        }
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        return Stream.of(path.split(":")).map(d -> Path.of(d, tool)).anyMatch(Files::isExecutable);
    }
}
