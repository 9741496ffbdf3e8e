package io.shoal.controlplane.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.controlplane.SimAgents;
import io.shoal.controlplane.ZkSupport;
import io.shoal.controlplane.membership.MemberRecord;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Layout;
import io.shoal.controlplane.store.Store;
import io.shoal.model.ClusterSpec;
import io.shoal.model.ContainerSpec;
import io.shoal.model.FailureAction;
import io.shoal.model.Member;
import io.shoal.model.Meta;
import io.shoal.model.Resources;
import io.shoal.model.Service;
import io.shoal.model.ServiceSpec;
import io.shoal.model.Task;
import io.shoal.model.TaskState;
import io.shoal.model.UpdateConfig;
import io.shoal.model.UpdateOrder;
import io.shoal.model.UpdateState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

/** A rolling update in progress survives the leader's session expiry: its state is in ZooKeeper. */
class UpdateFailoverTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static List<Task> liveRunning(Store store, String image) {
        return store.list(Kind.TASKS).stream()
                .filter(t -> t.serviceId().equals("web") && t.desiredState() == TaskState.RUNNING)
                .filter(t -> image == null || t.spec().container().image().equals(image))
                .filter(t -> store.get(Kind.STATUS, t.id())
                        .map(st -> st.state() == TaskState.RUNNING)
                        .orElse(false))
                .toList();
    }

    @Test
    void anUpdateInProgressContinuesAfterTheLeadersSessionIsKilled() throws Exception {
        List<AutoCloseable> open = new ArrayList<>();
        try (TestingServer server = ZkSupport.server()) {
            try {
                List<Manager> managers = new ArrayList<>();
                List<CuratorFramework> managerClients = new ArrayList<>();
                for (String id : List.of("m1", "m2")) {
                    CuratorFramework c = ZkSupport.client(server.getConnectString());
                    open.add(c);
                    managerClients.add(c);
                    Manager m = new Manager(
                            c,
                            Layout.DEFAULT,
                            id,
                            ClusterSpec.withPools("100.64.0.0/10"),
                            Duration.ofSeconds(10),
                            Clock.systemUTC());
                    open.add(m);
                    managers.add(m);
                    m.start();
                }
                CuratorFramework agentClient = ZkSupport.client(server.getConnectString());
                open.add(agentClient);
                for (int i = 1; i <= 3; i++) {
                    MemberRecord r = new MemberRecord(
                            agentClient,
                            Layout.DEFAULT,
                            new Member(
                                    "n" + i,
                                    "host" + i,
                                    List.of("198.18.0." + i),
                                    Resources.of(2, 2048),
                                    "test",
                                    Instant.now()));
                    open.add(r);
                    r.start(Duration.ofSeconds(10));
                }
                Store agentView = new Store(agentClient);
                open.add(agentView);
                agentView.start();
                SimAgents agents = new SimAgents(agentView, "web");
                open.add(agents);
                await().atMost(WAIT)
                        .until(() -> managers.stream().filter(Manager::isLeader).count() == 1);
                Manager first =
                        managers.stream().filter(Manager::isLeader).findFirst().orElseThrow();

                ServiceSpec spec = ServiceSpec.replicated("web", "img:1", 4)
                        .withUpdate(new UpdateConfig(
                                1,
                                Duration.ofMillis(1500),
                                FailureAction.PAUSE,
                                Duration.ofMillis(200),
                                0,
                                UpdateOrder.STOP_FIRST));
                first.store().create(Kind.SERVICES, Service.created(Meta.created("web", Instant.now()), spec));
                await().atMost(WAIT).until(() -> liveRunning(agentView, "img:1").size() == 4);

                Service web =
                        first.store().read(Kind.SERVICES, "web").orElseThrow().value();
                first.store()
                        .update(
                                Kind.SERVICES,
                                web.updatedTo(
                                        spec.withTask(spec.task().withContainer(ContainerSpec.of("img:2"))),
                                        Instant.now()));
                await().atMost(WAIT).until(() -> liveRunning(agentView, "img:2").size() >= 1);
                assertThat(liveRunning(agentView, "img:2")).hasSizeLessThan(4);

                KillSession.kill(managerClients
                        .get(managers.indexOf(first))
                        .getZookeeperClient()
                        .getZooKeeper());
                Manager second = managers.get(1 - managers.indexOf(first));
                await().atMost(WAIT).until(second::isLeader);
                await().atMost(WAIT)
                        .until(() -> second.store()
                                        .get(Kind.SERVICES, "web")
                                        .orElseThrow()
                                        .updateStatus()
                                        .state()
                                == UpdateState.COMPLETED);
                List<Task> running = liveRunning(agentView, null);
                assertThat(running).hasSize(4);
                assertThat(running)
                        .extracting(t -> t.spec().container().image())
                        .containsOnly("img:2");
                assertThat(running).extracting(Task::slot).containsExactlyInAnyOrder(1, 2, 3, 4);
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
