package io.shoal.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class TaskStateTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void everyForwardMoveIsAllowedAndEveryBackwardMoveIsRefused() {
        TaskState[] all = TaskState.values();
        for (TaskState from : all) {
            for (TaskState to : all) {
                boolean forward = to.ordinal() > from.ordinal() && !from.isTerminal();
                assertThat(from.canMoveTo(to)).as("%s -> %s", from, to).isEqualTo(forward || from == to);
                if (!from.canMoveTo(to)) {
                    assertThatThrownBy(() -> from.checkMoveTo(to))
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("cannot move from " + from + " to " + to);
                }
            }
        }
    }

    @Test
    void backwardMoveNamesBothStates() {
        assertThatThrownBy(() -> TaskState.RUNNING.checkMoveTo(TaskState.PENDING))
                .hasMessage("task state: cannot move from RUNNING to PENDING (states only move forward)");
    }

    @Test
    void terminalStatesAreFinalEvenTowardsAnotherTerminalState() {
        assertThat(TaskState.COMPLETE.isTerminal()).isTrue();
        assertThat(TaskState.RUNNING.isTerminal()).isFalse();
        assertThatThrownBy(() -> TaskState.FAILED.checkMoveTo(TaskState.REJECTED))
                .hasMessage("task state: cannot move from FAILED to REJECTED (FAILED is terminal)");
        assertThat(TaskState.SHUTDOWN.canMoveTo(TaskState.SHUTDOWN)).isTrue();
    }

    @Test
    void orphanedIsTerminalLastAndWrittenAsSwarmWritesIt() throws Exception {
        assertThat(TaskState.ORPHANED.isTerminal()).isTrue();
        assertThat(TaskState.values()[TaskState.values().length - 1]).isEqualTo(TaskState.ORPHANED);
        for (TaskState s : TaskState.values()) {
            if (!s.isTerminal()) {
                assertThat(s.canMoveTo(TaskState.ORPHANED))
                        .as("%s -> ORPHANED", s)
                        .isTrue();
            }
        }
        // Ended by the leader, it cannot be undone by an agent's late report of another end.
        assertThatThrownBy(() -> TaskState.ORPHANED.checkMoveTo(TaskState.SHUTDOWN))
                .hasMessage("task state: cannot move from ORPHANED to SHUTDOWN (ORPHANED is terminal)");
        assertThat(Json.mapper().writeValueAsString(TaskState.ORPHANED)).isEqualTo("\"orphaned\"");
        assertThat(TaskState.parse("orphaned")).isEqualTo(TaskState.ORPHANED);
    }

    @Test
    void aTaskWalksItsLifeForwardAndCannotGoBack() {
        Task task = Task.forSlot(Meta.created("t1", T0), "s1", 0, 1, TaskSpec.of("busybox"));
        assertThat(task.status().state()).isEqualTo(TaskState.NEW);
        task = task.withStatus(task.status().moveTo(TaskState.PENDING, T0, "pending"));
        task = task.assignedTo("n1", T0.plusSeconds(1));
        assertThat(task.nodeId()).isEqualTo("n1");
        assertThat(task.status().state()).isEqualTo(TaskState.ASSIGNED);
        Task running = task.withStatus(task.status().moveTo(TaskState.RUNNING, T0.plusSeconds(2), "started"));
        assertThat(running.status().message()).isEqualTo("started");

        assertThatThrownBy(() -> running.withStatus(TaskStatus.of(TaskState.ASSIGNED, T0, "again")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("from RUNNING to ASSIGNED");
        Task failed = running.withStatus(running.status().fail(T0.plusSeconds(3), "exit 1", 1));
        assertThat(failed.status().error()).isEqualTo("exit 1");
        assertThat(failed.status().exitCode()).isEqualTo(1);
        assertThatThrownBy(() -> failed.withStatus(TaskStatus.of(TaskState.RUNNING, T0, "revived")))
                .hasMessageContaining("FAILED is terminal");
    }

    @Test
    void desiredStateOnlyMovesForwardToo() {
        Task task = Task.forSlot(Meta.created("t1", T0), "s1", 0, 1, TaskSpec.of("busybox"));
        Task stopping = task.withDesiredState(TaskState.SHUTDOWN);
        assertThat(stopping.desiredState()).isEqualTo(TaskState.SHUTDOWN);
        assertThatThrownBy(() -> stopping.withDesiredState(TaskState.RUNNING))
                .hasMessageContaining("cannot move from SHUTDOWN to RUNNING");
    }

    @Test
    void aTaskPastAssignedNeedsANodeAndAGlobalTaskNeedsOneFromTheStart() {
        assertThatThrownBy(() -> new Task(
                        Meta.created("t1", T0),
                        "s1",
                        0,
                        1,
                        "",
                        TaskSpec.of("busybox"),
                        TaskState.RUNNING,
                        TaskStatus.of(TaskState.RUNNING, T0, ""),
                        null))
                .hasMessage("task t1: state RUNNING needs a nodeId");
        assertThatThrownBy(() ->
                        new Task(Meta.created("t2", T0), "s1", 0, 0, "", TaskSpec.of("busybox"), null, null, null))
                .hasMessage("task t2: slot 0 (global) needs a nodeId");
        assertThatThrownBy(() -> Task.forSlot(Meta.created("t3", T0), "s1", 0, -1, TaskSpec.of("busybox")))
                .hasMessage("slot: -1 must be >= 1");
    }

    @Test
    void statesAreWrittenLowerCaseAndParsedInAnyCase() throws Exception {
        assertThat(Json.mapper().writeValueAsString(TaskState.RUNNING)).isEqualTo("\"running\"");
        assertThat(TaskState.parse("Complete")).isEqualTo(TaskState.COMPLETE);
        assertThatThrownBy(() -> TaskState.parse("ready"))
                .hasMessageStartingWith("task state: 'ready' is not one of new, pending");
    }
}
