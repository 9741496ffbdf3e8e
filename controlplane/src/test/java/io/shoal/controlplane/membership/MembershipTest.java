package io.shoal.controlplane.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.shoal.controlplane.ZkSupport;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Layout;
import io.shoal.controlplane.store.Store;
import io.shoal.controlplane.store.StoreEvent;
import io.shoal.model.Member;
import io.shoal.model.Node;
import io.shoal.model.NodeState;
import io.shoal.model.Resources;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MembershipTest {
    private TestingServer server;
    private CuratorFramework leaderClient;
    private Store store;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final Map<String, Long> lostAt = new ConcurrentHashMap<>();
    private final List<String> nodeStates = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = ZkSupport.server();
        leaderClient = ZkSupport.client(server.getConnectString());
        store = new Store(leaderClient, Layout.DEFAULT, Clock.systemUTC(), Duration.ofSeconds(5));
        store.start();
        store.listen(Kind.NODES, (StoreEvent<Node> e) -> {
            if (e.after() != null) {
                nodeStates.add(e.id() + " " + e.after().value().status().state());
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception e) {
                // keep closing the rest
            }
        }
        store.close();
        leaderClient.close();
        server.close();
    }

    private MembershipWatcher watcher(Duration grace) {
        MembershipWatcher w =
                new MembershipWatcher(store, null, grace, Clock.systemUTC(), id -> lostAt.put(id, System.nanoTime()));
        open.add(w);
        w.start();
        return w;
    }

    /** An agent: its own ZooKeeper session and member record. */
    private record Agent(CuratorFramework client, MemberRecord record) implements AutoCloseable {
        @Override
        public void close() throws java.io.IOException {
            record.close();
            client.close();
        }
    }

    private Agent agent(String nodeId) throws Exception {
        CuratorFramework c = ZkSupport.client(server.getConnectString());
        MemberRecord r = new MemberRecord(
                c,
                Layout.DEFAULT,
                new Member(
                        nodeId, "host-" + nodeId, List.of("198.18.0.1"), Resources.of(2, 1024), "test", Instant.now()));
        r.start(Duration.ofSeconds(5));
        Agent a = new Agent(c, r);
        open.add(a);
        return a;
    }

    private NodeState stateOf(String nodeId) {
        return store.read(Kind.NODES, nodeId)
                .map(s -> s.value().status().state())
                .orElse(null);
    }

    @Test
    void anAgentsMemberRecordRegistersItsNodeAsReady() throws Exception {
        watcher(Duration.ofSeconds(1));
        agent("n1");
        await().atMost(Duration.ofSeconds(10)).until(() -> stateOf("n1") == NodeState.READY);
        Node n1 = store.read(Kind.NODES, "n1").orElseThrow().value();
        assertThat(n1.description().hostname()).isEqualTo("host-n1");
        assertThat(n1.description().resources()).isEqualTo(Resources.of(2, 1024));
        assertThat(n1.schedulable()).isTrue();
    }

    @Test
    void aNodeThatStaysAwayIsMarkedDownAtOnceAndReportedLostAfterTheGracePeriod() throws Exception {
        Duration grace = Duration.ofSeconds(1);
        MembershipWatcher w = watcher(grace);
        Agent a = agent("n1");
        agent("n2");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> stateOf("n1") == NodeState.READY && stateOf("n2") == NodeState.READY);

        long goneAt = System.nanoTime();
        a.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> stateOf("n1") == NodeState.DOWN);
        assertThat(lostAt).isEmpty();
        assertThat(w.pending()).containsExactly("n1");
        await().atMost(grace.plusSeconds(5)).until(() -> lostAt.containsKey("n1"));
        assertThat(Duration.ofNanos(lostAt.get("n1") - goneAt)).isGreaterThanOrEqualTo(grace);
        assertThat(lostAt).containsOnlyKeys("n1");
        assertThat(stateOf("n2")).isEqualTo(NodeState.READY);
        assertThat(w.pending()).isEmpty();
    }

    @Test
    void anAgentWhoseSessionExpiresIsMarkedDownThenComesBackWithinGraceAndIsNotReportedLost() throws Exception {
        Duration grace = Duration.ofSeconds(2);
        MembershipWatcher w = watcher(grace);
        Agent a = agent("n1");
        await().atMost(Duration.ofSeconds(10)).until(() -> stateOf("n1") == NodeState.READY);

        KillSession.kill(a.client().getZookeeperClient().getZooKeeper());
        // The server drops the old session (and its ephemeral record) after the session timeout.
        await().atMost(ZkSupport.SESSION.plusSeconds(7)).until(() -> nodeStates.contains("n1 DOWN"));
        // Curator's PersistentNode re-creates the ephemeral record on the new session.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> store.read(Kind.MEMBERS, "n1").isPresent() && stateOf("n1") == NodeState.READY);
        assertThat(w.pending()).isEmpty();
        await().during(grace.plusMillis(500)).atMost(grace.plusSeconds(2)).until(lostAt::isEmpty);
        assertThat(nodeStates).containsSubsequence("n1 READY", "n1 DOWN", "n1 READY");
    }

    @Test
    void anAgentThatCrashesIsFoundBySessionExpiryAndReportedLostAfterGrace() throws Exception {
        Duration grace = Duration.ofSeconds(1);
        watcher(grace);
        Agent a = agent("n1");
        await().atMost(Duration.ofSeconds(10)).until(() -> stateOf("n1") == NodeState.READY);

        // A crash: the session is gone from the client's side and the process never comes back.
        KillSession.kill(a.client().getZookeeperClient().getZooKeeper());
        a.client().close();
        await().atMost(ZkSupport.SESSION.plusSeconds(7)).until(() -> stateOf("n1") == NodeState.DOWN);
        long downAt = System.nanoTime();
        await().atMost(grace.plusSeconds(6)).until(() -> lostAt.containsKey("n1"));
        assertThat(Duration.ofNanos(lostAt.get("n1") - downAt)).isLessThan(grace.plusSeconds(2));
    }

    @Test
    void aKnownNodeWithoutMemberAtLeaderStartIsDownAndLostAfterGrace() throws Exception {
        Agent a = agent("n1");
        MembershipWatcher first = watcher(Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(10)).until(() -> stateOf("n1") == NodeState.READY);
        first.close();
        a.close();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> store.read(Kind.MEMBERS, "n1").isEmpty());
        assertThat(stateOf("n1")).isEqualTo(NodeState.READY);

        // A new leader starts: it finds n1 registered but without member record.
        watcher(Duration.ofMillis(500));
        await().atMost(Duration.ofSeconds(10)).until(() -> stateOf("n1") == NodeState.DOWN);
        await().atMost(Duration.ofSeconds(10)).until(() -> lostAt.containsKey("n1"));
    }

    @Test
    void memberRecordCanBeUpdatedAndStartsOnce() throws Exception {
        watcher(Duration.ofSeconds(1));
        Agent a = agent("n1");
        a.record()
                .update(new Member(
                        "n1", "renamed", List.of("198.18.0.9"), Resources.of(4, 2048), "test", Instant.now()));
        await().atMost(Duration.ofSeconds(10)).until(() -> store.read(Kind.NODES, "n1")
                .map(s -> s.value().description().hostname().equals("renamed"))
                .orElse(false));
        assertThatThrownBy(() -> a.record().start(Duration.ofSeconds(1)))
                .hasMessage("member record: cannot be started more than once (state STARTED)");
        assertThatThrownBy(
                        () -> new MembershipWatcher(store, null, Duration.ofSeconds(-1), Clock.systemUTC(), id -> {}))
                .hasMessage("grace: PT-1S must not be negative");
    }
}
