package io.shoal.controlplane.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.shoal.controlplane.ZkSupport;
import io.shoal.controlplane.store.Fence;
import io.shoal.controlplane.store.FencedException;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Layout;
import io.shoal.controlplane.store.Store;
import io.shoal.model.Meta;
import io.shoal.model.Service;
import io.shoal.model.ServiceSpec;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LeaderElectionTest {
    private TestingServer server;
    private final List<AutoCloseable> open = new ArrayList<>();

    /** One manager: its own client, store and election, and what it was told. */
    final class Manager implements LeaderElection.Listener {
        final String id;
        final CuratorFramework client;
        final Store store;
        final LeaderElection election;
        final AtomicReference<Fence> fence = new AtomicReference<>();
        final List<String> events = new CopyOnWriteArrayList<>();

        Manager(String id) throws Exception {
            this.id = id;
            client = ZkSupport.client(server.getConnectString());
            open.add(client);
            store = new Store(client, Layout.DEFAULT, Clock.systemUTC(), Duration.ofSeconds(5));
            store.start();
            open.add(store);
            election = new LeaderElection(client, Layout.DEFAULT, id, this);
            open.add(election);
        }

        @Override
        public void elected(Fence f) {
            fence.set(f);
            events.add("elected " + f.epoch());
        }

        @Override
        public void deposed() {
            events.add("deposed");
        }

        Service createService(Fence f, String sid) {
            Service s = Service.created(Meta.created(sid, Instant.EPOCH), ServiceSpec.replicated(sid, "img", 1));
            return (Service) store.transaction()
                    .fencedBy(f)
                    .create(Kind.SERVICES, s)
                    .commit()
                    .get(0);
        }
    }

    @BeforeEach
    void startServer() throws Exception {
        server = ZkSupport.server();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception | Error e) {
                // keep closing the rest
            }
        }
        server.close();
    }

    private static Manager leaderOf(Manager a, Manager b) {
        await().atMost(Duration.ofSeconds(10)).until(() -> a.election.isLeader() ^ b.election.isLeader());
        return a.election.isLeader() ? a : b;
    }

    @Test
    void twoManagersElectExactlyOneLeaderWhoseFencedWritesSucceed() throws Exception {
        Manager a = new Manager("m1");
        Manager b = new Manager("m2");
        a.election.start();
        b.election.start();
        Manager leader = leaderOf(a, b);
        Manager other = leader == a ? b : a;
        assertThat(other.election.isLeader()).isFalse();
        assertThat(other.election.fence()).isEmpty();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> other.election.leaderId().isPresent());
        assertThat(other.election.leaderId()).contains(leader.id);
        assertThat(leader.fence.get().epoch())
                .isEqualTo(leader.election.currentEpoch())
                .isEqualTo(1);

        Service written = leader.createService(leader.fence.get(), "svc1");
        assertThat(leader.store.read(Kind.SERVICES, "svc1").orElseThrow().value())
                .isEqualTo(written);
    }

    @Test
    void closingTheLeaderHandsOverAndBumpsTheEpoch() throws Exception {
        Manager a = new Manager("m1");
        Manager b = new Manager("m2");
        a.election.start();
        b.election.start();
        Manager first = leaderOf(a, b);
        Manager second = first == a ? b : a;
        Fence old = first.fence.get();

        first.election.close();
        await().atMost(Duration.ofSeconds(10)).until(second.election::isLeader);
        assertThat(first.events).containsExactly("elected " + old.epoch(), "deposed");
        assertThat(second.fence.get().epoch()).isEqualTo(old.epoch() + 1);
        assertThatThrownBy(() -> first.createService(old, "late")).isInstanceOf(FencedException.class);
        assertThat(second.store.read(Kind.SERVICES, "late")).isEmpty();
    }

    @Test
    void leaderWhoseSessionExpiresIsReplacedAndItsLateWritesAreRefused() throws Exception {
        Manager a = new Manager("m1");
        Manager b = new Manager("m2");
        a.election.start();
        b.election.start();
        Manager first = leaderOf(a, b);
        Manager second = first == a ? b : a;
        Fence old = first.fence.get();

        // The strict "within session timeout + 2 s" bound is asserted in EnsembleFailoverTest; here
        // the wait is looser so a busy machine does not fail the default suite.
        KillSession.kill(first.client.getZookeeperClient().getZooKeeper());
        await().atMost(ZkSupport.SESSION.plusSeconds(8)).until(second.election::isLeader);
        assertThat(second.fence.get().epoch()).isGreaterThan(old.epoch());
        await().atMost(Duration.ofSeconds(10)).until(() -> first.events.contains("deposed"));
        assertThat(first.election.isLeader()).isFalse();

        // The deposed leader knows it lost: refused before reaching ZooKeeper.
        assertThatThrownBy(() -> first.createService(old, "late1"))
                .isInstanceOf(FencedException.class)
                .hasMessage("write refused: " + first.id + " is no longer leader (it led epoch " + old.epoch() + ")");
        // A deposed leader that has not noticed yet (a long pause): ZooKeeper refuses it.
        Fence unaware = new Fence(old.path(), old.epoch(), old.holder(), () -> true);
        assertThatThrownBy(() -> first.createService(unaware, "late2"))
                .isInstanceOf(FencedException.class)
                .hasMessage("write refused: " + first.id + " led epoch " + old.epoch() + " but the epoch is now "
                        + second.fence.get().epoch());
        assertThat(second.store.read(Kind.SERVICES, "late1")).isEmpty();
        assertThat(second.store.read(Kind.SERVICES, "late2")).isEmpty();
        second.createService(second.fence.get(), "fresh");
        assertThat(second.store.read(Kind.SERVICES, "fresh")).isPresent();

        // The old leader re-joined with a new session and takes over when the second leaves.
        second.election.close();
        await().atMost(Duration.ofSeconds(10)).until(first.election::isLeader);
        assertThat(first.fence.get().epoch()).isGreaterThan(second.fence.get().epoch());
    }

    @Test
    void secondStartFailsWithAMessage() throws Exception {
        Manager a = new Manager("m1");
        a.election.start();
        assertThatThrownBy(a.election::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("leader election: cannot be started more than once (state STARTED)");
        await().atMost(Duration.ofSeconds(10)).until(a.election::isLeader);
        a.election.close();
        a.election.close();
        assertThat(a.events).containsExactly("elected 1", "deposed");
    }

    @Test
    void closeOfAnElectionThatNeverStartedIsHarmless() throws IOException, Exception {
        Manager a = new Manager("m1");
        a.election.close();
        assertThat(a.events).isEmpty();
    }
}
