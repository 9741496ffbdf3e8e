package io.shoal.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    void hostResourcesAreReadFromThisMachine() throws Exception {
        assertThat(Shoald.hostResources().nanoCpus()).isGreaterThanOrEqualTo(1_000_000_000L);
        assertThat(Shoald.hostResources().memoryBytes()).isGreaterThan(64L * 1024 * 1024);
    }
}
