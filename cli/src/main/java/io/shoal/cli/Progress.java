package io.shoal.cli;

import io.shoal.model.Service;
import io.shoal.model.TaskSpec;
import io.shoal.model.TaskState;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Waits for a service to converge after {@code create}, {@code update}, {@code scale} or
 * {@code rollback}: every task it should run runs the current task template. On a terminal a bar
 * redraws in place; otherwise one plain line per change. Failed tasks are reported as they appear.
 */
final class Progress {
    private static final Duration LIMIT = Duration.ofSeconds(120);
    private static final Duration POLL = Duration.ofMillis(300);

    private Progress() {}

    /** @param version the service version written: older answers (a lagging view) are not judged */
    static void await(Shoal root, String serviceId, long version) {
        boolean tty = System.console() != null && root.out == System.out;
        Instant deadline = Instant.now().plus(LIMIT);
        String last = "";
        Set<String> failuresShown = new HashSet<>();
        while (true) {
            ApiClient api = root.client();
            Service s = ServiceCommand.fetch(api, serviceId);
            if (s.meta().version() < version) {
                pause(deadline, s.name());
                continue;
            }
            Tasks tasks = Tasks.read(api.get("/tasks", Map.of("service", serviceId)));
            long wanted = 0;
            long running = 0;
            for (Tasks.Entry e : tasks.all()) {
                if (e.status().state() == TaskState.FAILED
                        && failuresShown.add(e.task().id())) {
                    root.out.println((tty ? "\n" : "") + "task " + s.name() + "."
                            + (e.task().slot() > 0 ? e.task().slot() : e.task().nodeId()) + " failed: "
                            + (e.status().error().isEmpty()
                                    ? e.status().message()
                                    : e.status().error()));
                }
                if (e.task().desiredState() != TaskState.RUNNING) {
                    continue;
                }
                wanted++;
                if (e.status().state() == TaskState.RUNNING
                        && current(e.task().spec(), s.spec().task())) {
                    running++;
                }
            }
            long desired = s.spec().mode().global() ? wanted : s.spec().mode().replicas();
            String line = "overall progress: " + running + " out of " + desired + " tasks";
            if (tty) {
                int width = 30;
                int filled = desired == 0 ? width : (int) (width * Math.min(running, desired) / desired);
                root.out.print("\r" + s.name() + " [" + "=".repeat(filled) + " ".repeat(width - filled) + "] " + line);
                root.out.flush();
            } else if (!line.equals(last)) {
                root.out.println(line);
            }
            last = line;
            if (running == desired && wanted == desired) {
                if (tty) {
                    root.out.println();
                }
                root.out.println("verify: service " + s.name() + " converged");
                return;
            }
            pause(deadline, s.name() + " (" + line + ")");
        }
    }

    /**
     * True when a task runs the service's current template. The manager may append networks to a
     * task's copy (the ingress network of a service that publishes ports), so those may be extra.
     */
    static boolean current(TaskSpec task, TaskSpec template) {
        return task.withNetworks(List.of()).equals(template.withNetworks(List.of()))
                && task.networks().containsAll(template.networks());
    }

    private static void pause(Instant deadline, String what) {
        if (Instant.now().isAfter(deadline)) {
            throw new IllegalArgumentException("service " + what + " did not converge within " + LIMIT.toSeconds()
                    + " s; it keeps trying, see 'shoal service ps'");
        }
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what, e);
        }
    }
}
