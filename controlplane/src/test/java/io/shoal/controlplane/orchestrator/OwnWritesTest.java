package io.shoal.controlplane.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.model.Meta;
import io.shoal.model.Service;
import io.shoal.model.ServiceSpec;
import io.shoal.model.Task;
import io.shoal.model.TaskSpec;
import io.shoal.model.TaskState;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The leader's own writes laid over a lagging view, and only while it lags. */
class OwnWritesTest {
    private static final Instant NOW = Instant.parse("2026-12-06T00:00:00Z");

    private static Task task(String id, long version) {
        Task t = Task.forSlot(Meta.created(id, NOW), "web", 0, 1, TaskSpec.of("img:1"));
        return t.withMeta(t.meta().withVersion(version));
    }

    private static Service service(long version) {
        Service s = Service.created(Meta.created("web", NOW), ServiceSpec.replicated("web", "img:1", 1));
        return s.withMeta(s.meta().withVersion(version));
    }

    @Test
    void aCreatedTaskShowsUntilTheViewHasIt() {
        OwnWrites own = new OwnWrites();
        own.record(List.of(task("web.1.0", 0)));
        Map<String, Task> tasks = new HashMap<>();
        own.applyTo(new HashMap<>(), tasks);
        assertThat(tasks).containsKey("web.1.0");
        assertThat(own.size()).isEqualTo(1);

        Map<String, Task> caughtUp = new HashMap<>(Map.of("web.1.0", task("web.1.0", 0)));
        own.applyTo(new HashMap<>(), caughtUp);
        assertThat(own.size()).isZero();
    }

    @Test
    void anUpdateShowsOverTheOlderVersionButNeverOverANewerOne() {
        OwnWrites own = new OwnWrites();
        Task shutdown = task("web.1.0", 1).withDesiredState(TaskState.SHUTDOWN);
        own.record(List.of(shutdown));
        Map<String, Task> lagging = new HashMap<>(Map.of("web.1.0", task("web.1.0", 0)));
        own.applyTo(new HashMap<>(), lagging);
        assertThat(lagging.get("web.1.0").desiredState()).isEqualTo(TaskState.SHUTDOWN);

        Task newer = task("web.1.0", 2);
        Map<String, Task> ahead = new HashMap<>(Map.of("web.1.0", newer));
        own.applyTo(new HashMap<>(), ahead);
        assertThat(ahead.get("web.1.0")).isSameAs(newer);
        assertThat(own.size()).isZero();
    }

    @Test
    void aServiceDeletedSinceIsNotBroughtBack() {
        OwnWrites own = new OwnWrites();
        own.record(List.of(service(1)));
        Map<String, Service> lagging = new HashMap<>(Map.of("web", service(0)));
        own.applyTo(lagging, new HashMap<>());
        assertThat(lagging.get("web").version()).isEqualTo(1);

        Map<String, Service> deleted = new HashMap<>();
        own.applyTo(deleted, new HashMap<>());
        assertThat(deleted).isEmpty();
        assertThat(own.size()).isZero();
    }

    @Test
    void aDeletedTaskIsForgotten() {
        OwnWrites own = new OwnWrites();
        own.record(List.of(task("web.1.0", 0), "not a task or service"));
        own.taskDeleted("web.1.0");
        Map<String, Task> tasks = new HashMap<>();
        own.applyTo(new HashMap<>(), tasks);
        assertThat(tasks).isEmpty();
    }

    @Test
    void aTaskThisLeaderDeletedIsHiddenWhileTheViewStillShowsIt() {
        OwnWrites own = new OwnWrites();
        own.record(List.of(task("web.1.0", 1)));
        own.taskDeletedByUs("web.1.0");
        Map<String, Task> lagging = new HashMap<>(Map.of("web.1.0", task("web.1.0", 0), "web.1.1", task("web.1.1", 0)));
        own.applyTo(new HashMap<>(), lagging);
        assertThat(lagging).containsOnlyKeys("web.1.1");
        assertThat(own.size()).isEqualTo(1);

        Map<String, Task> caughtUp = new HashMap<>(Map.of("web.1.1", task("web.1.1", 0)));
        own.applyTo(new HashMap<>(), caughtUp);
        assertThat(caughtUp).containsOnlyKeys("web.1.1");
        assertThat(own.size()).isZero();
    }
}
