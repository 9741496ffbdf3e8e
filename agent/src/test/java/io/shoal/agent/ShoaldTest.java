package io.shoal.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.agent.net.TransparentRouting;
import io.shoal.controlplane.join.JoinTokens;
import io.shoal.controlplane.store.Layout;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line of {@code shoald}: options and the join-token check against a real ZooKeeper. */
class ShoaldTest {
    private static String[] run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Shoald());
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new String[] {Integer.toString(code), err.toString()};
    }

    @Test
    void nodeIdAndZooKeeperAreRequired() {
        String[] r = run("--executor", "docker");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[1])
                .contains("Missing required options")
                .contains("--node-id")
                .contains("--zookeeper");
    }

    @Test
    void anUnknownExecutorIsRefusedListingTheChoices() {
        String[] r = run("--node-id", "n1", "--zookeeper", "127.0.0.1:1", "--executor", "vm");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[1]).contains("--executor").contains("docker, process");
    }

    @Test
    void aWrongOrMalformedJoinTokenIsRefusedWithAClearMessage() throws Exception {
        try (TestingServer zk = new TestingServer(true);
                CuratorFramework client =
                        CuratorFrameworkFactory.newClient(zk.getConnectString(), new ExponentialBackoffRetry(100, 3))) {
            client.start();
            JoinTokens.Tokens tokens =
                    JoinTokens.init(client, new Layout("/shoal")).orElseThrow();

            String[] malformed = run("--node-id", "n1", "--zookeeper", zk.getConnectString(), "--join-token", "abc");
            assertThat(malformed[0]).isEqualTo("1");
            assertThat(malformed[1]).contains("join token: expected SHOALTKN-1-<worker|manager>-<64 hex digits>");

            String wrong = tokens.worker().substring(0, tokens.worker().length() - 1)
                    + (tokens.worker().endsWith("0") ? "1" : "0");
            String[] refused = run("--node-id", "n1", "--zookeeper", zk.getConnectString(), "--join-token", wrong);
            assertThat(refused[0]).isEqualTo("1");
            assertThat(refused[1]).contains("join token: not valid for this cluster");
        }
    }

    @Test
    void durationsParseAndBadOnesNameTheOption() {
        assertThat(Shoald.parseSeconds("--session-timeout", "10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Shoald.parseSeconds("--session-timeout", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Shoald.parseSeconds("--session-timeout", "7")).isEqualTo(Duration.ofSeconds(7));
        assertThatThrownBy(() -> Shoald.parseSeconds("--session-timeout", "soon"))
                .hasMessage("--session-timeout: 'soon' must be a duration like 10s or 500ms");
    }

    @Test
    void transparentRoutingNumbersAreOptionsAndBadOnesNameTheirOption() {
        assertThat(Shoald.transparentSettings("0x5e", 94, 9400)).isEqualTo(TransparentRouting.Settings.DEFAULT);
        TransparentRouting.Settings other = Shoald.transparentSettings("0X1F0", 120, 8000);
        assertThat(other.mark()).isEqualTo(0x1f0);
        assertThat(other.routeTable()).isEqualTo(120);
        assertThat(other.rulePriority()).isEqualTo(8000);
        assertThat(Shoald.transparentSettings("4294967295", 1, 1).mark()).isEqualTo(0xFFFF_FFFFL);

        assertThatThrownBy(() -> Shoald.transparentSettings("mark", 94, 9400))
                .hasMessage("--transparent-mark: 'mark' is not a number (0x5e or 94, say)");
        assertThatThrownBy(() -> Shoald.transparentSettings("0", 94, 9400))
                .hasMessageStartingWith("--transparent-mark: transparent mark: 0 must be a non-zero u32");
        assertThatThrownBy(() -> Shoald.transparentSettings("0x100000000", 94, 9400))
                .hasMessageStartingWith("--transparent-mark: ");
        assertThatThrownBy(() -> Shoald.transparentSettings("0x5e", 253, 9400))
                .hasMessageStartingWith("--transparent-route-table: transparent route table: 253 is outside 1..252");
        assertThatThrownBy(() -> Shoald.transparentSettings("0x5e", 94, 32766))
                .hasMessageStartingWith("--transparent-rule-priority: transparent rule priority: 32766 is outside");
    }

    @Test
    void aBadTransparentOptionStopsTheAgentBeforeItStartsNamingTheOption() throws Exception {
        try (TestingServer zk = new TestingServer(true)) {
            String[] r = run(
                    "--node-id",
                    "n1",
                    "--zookeeper",
                    zk.getConnectString(),
                    "--advertise-addr",
                    "198.18.0.1",
                    "--transparent-route-table",
                    "0");
            assertThat(r[0]).isEqualTo("1");
            assertThat(r[1]).contains("--transparent-route-table: transparent route table: 0 is outside 1..252");
        }
    }

    @Test
    void hostResourcesAreReadFromThisMachine() throws Exception {
        assertThat(Shoald.hostResources().nanoCpus()).isGreaterThanOrEqualTo(1_000_000_000L);
        assertThat(Shoald.hostResources().memoryBytes()).isGreaterThan(64L * 1024 * 1024);
    }
}
