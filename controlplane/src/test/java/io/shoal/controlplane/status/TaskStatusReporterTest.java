package io.shoal.controlplane.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.controlplane.ZkSupport;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Layout;
import io.shoal.controlplane.store.Store;
import io.shoal.model.TaskState;
import io.shoal.model.TaskStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

class TaskStatusReporterTest {
    private static TaskStatus at(TaskState state) {
        return TaskStatus.of(state, Instant.now(), state.json());
    }

    @Test
    void reportsMoveForwardAndABackwardReportIsRefusedNamingBothStates() throws Exception {
        try (TestingServer server = ZkSupport.server();
                CuratorFramework client = ZkSupport.client(server.getConnectString());
                Store store = new Store(client, Layout.DEFAULT, Clock.systemUTC(), Duration.ofSeconds(10))) {
            store.start();
            TaskStatusReporter reporter = new TaskStatusReporter(store);
            reporter.report("t1", at(TaskState.ACCEPTED));
            reporter.report("t1", at(TaskState.STARTING));
            reporter.report("t1", at(TaskState.RUNNING));
            assertThat(store.read(Kind.STATUS, "t1").orElseThrow().version()).isEqualTo(2);
            assertThatThrownBy(() -> reporter.report("t1", at(TaskState.PREPARING)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cannot move from RUNNING to PREPARING");
            reporter.report("t1", at(TaskState.FAILED));
            assertThatThrownBy(() -> reporter.report("t1", at(TaskState.RUNNING)))
                    .hasMessageContaining("FAILED is terminal");
            assertThat(store.read(Kind.STATUS, "t1").orElseThrow().value().state())
                    .isEqualTo(TaskState.FAILED);
        }
    }

    @Test
    void racingReportersNeverLeaveAnEarlierStateOverALaterOne() throws Exception {
        try (TestingServer server = ZkSupport.server();
                CuratorFramework client = ZkSupport.client(server.getConnectString());
                Store store = new Store(client, Layout.DEFAULT, Clock.systemUTC(), Duration.ofSeconds(10))) {
            store.start();
            TaskStatusReporter reporter = new TaskStatusReporter(store);
            TaskState[] states = {TaskState.ACCEPTED, TaskState.PREPARING, TaskState.STARTING, TaskState.RUNNING};
            ExecutorService pool = Executors.newFixedThreadPool(states.length);
            CountDownLatch go = new CountDownLatch(1);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (TaskState s : states) {
                    done.add(pool.submit(() -> {
                        go.await();
                        try {
                            reporter.report("t1", at(s));
                        } catch (IllegalStateException late) {
                            // a later state got there first: this report is stale, as it should be
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(store.read(Kind.STATUS, "t1").orElseThrow().value().state())
                    .isEqualTo(TaskState.RUNNING);
        }
    }
}
