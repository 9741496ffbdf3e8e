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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Three managers on a three-server ensemble: failover of the leader and of a ZooKeeper server. */
@Tag("integration")
class EnsembleFailoverTest {
    private record Manager(
            String id, CuratorFramework client, Store store, LeaderElection election, AtomicReference<Fence> fence) {
        Service write(Fence f, String sid) {
            Service s = Service.created(Meta.created(sid, Instant.EPOCH), ServiceSpec.replicated(sid, "img", 1));
            return (Service) store.transaction()
                    .fencedBy(f)
                    .create(Kind.SERVICES, s)
                    .commit()
                    .get(0);
        }
    }

    @Test
    void leaderSessionLossAndAServerLossLeaveTheClusterWorkingWithNothingLost() throws Exception {
        List<InstanceSpec> specs = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            specs.add(new InstanceSpec(null, -1, -1, -1, true, i, 200, 100));
        }
        List<AutoCloseable> open = new ArrayList<>();
        try (TestingCluster zk = new TestingCluster(specs)) {
            try {
                zk.start();
                List<Manager> managers = new ArrayList<>();
                for (int i = 1; i <= 3; i++) {
                    CuratorFramework c = ZkSupport.client(zk.getConnectString());
                    open.add(c);
                    Store s = new Store(c, Layout.DEFAULT, Clock.systemUTC(), Duration.ofSeconds(10));
                    s.start();
                    open.add(s);
                    AtomicReference<Fence> fence = new AtomicReference<>();
                    LeaderElection e = new LeaderElection(c, Layout.DEFAULT, "m" + i, new LeaderElection.Listener() {
                        @Override
                        public void elected(Fence f) {
                            fence.set(f);
                        }

                        @Override
                        public void deposed() {}
                    });
                    open.add(e);
                    managers.add(new Manager("m" + i, c, s, e, fence));
                    e.start();
                }
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> managers.stream()
                                        .filter(m -> m.election().isLeader())
                                        .count()
                                == 1);
                Manager first = managers.stream()
                        .filter(m -> m.election().isLeader())
                        .findFirst()
                        .orElseThrow();
                for (int i = 0; i < 20; i++) {
                    first.write(first.fence().get(), "svc" + i);
                }
                Fence old = first.fence().get();

                long killed = System.nanoTime();
                KillSession.kill(first.client().getZookeeperClient().getZooKeeper());
                await().atMost(ZkSupport.SESSION.plusSeconds(2)).until(() -> managers.stream()
                        .anyMatch(m -> m != first && m.election().isLeader()));
                assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(ZkSupport.SESSION.plusSeconds(2));
                Manager second = managers.stream()
                        .filter(m -> m != first && m.election().isLeader())
                        .findFirst()
                        .orElseThrow();
                // The deposed leader learns of its lost session only when its client reconnects: for
                // that moment two managers believe they lead, which is what the fence (below) is for.
                await().atMost(ZkSupport.SESSION.plusSeconds(2))
                        .until(() -> managers.stream()
                                        .filter(m -> m.election().isLeader())
                                        .count()
                                == 1);

                Fence unaware = new Fence(old.path(), old.epoch(), old.holder(), () -> true);
                assertThatThrownBy(() -> first.write(unaware, "late")).isInstanceOf(FencedException.class);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> second.store().list(Kind.SERVICES).size() == 20);
                assertThat(second.store().read(Kind.SERVICES, "late")).isEmpty();

                // One ZooKeeper server dies: the quorum of two goes on.
                InstanceSpec victim = zk.findConnectionInstance(
                        second.client().getZookeeperClient().getZooKeeper());
                assertThat(zk.killServer(victim)).isTrue();
                await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() -> {
                    Fence f = managers.stream()
                            .filter(m -> m.election().isLeader())
                            .findFirst()
                            .orElseThrow()
                            .fence()
                            .get();
                    Manager leader = managers.stream()
                            .filter(m -> m.election().isLeader())
                            .findFirst()
                            .orElseThrow();
                    leader.write(f, "after-server-loss");
                    return true;
                });
                for (Manager m : managers) {
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> m.store().list(Kind.SERVICES).size() == 21);
                }
            } finally {
                for (int i = open.size() - 1; i >= 0; i--) {
                    try {
                        open.get(i).close();
                    } catch (Exception e) {
                        // keep closing
                    }
                }
            }
        }
    }
}
