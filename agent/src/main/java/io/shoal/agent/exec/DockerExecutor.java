package io.shoal.agent.exec;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.api.model.HealthCheck;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import io.shoal.model.Task;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks as containers of the local Docker engine, through docker-java on its unix socket.
 *
 * <p>Containers are created with network mode {@code none} and {@code --dns 127.0.0.11}, labelled
 * with node, service and task ({@link Labels}), limited to the task's CPU and memory limits, with
 * restart policy {@code no} (restarting is the control plane's decision) and the task's health check
 * if it has one. Every listing and event subscription is filtered by this node's label, so agents
 * sharing one engine never see each other's containers.
 */
public final class DockerExecutor implements Executor {
    private static final Logger log = LoggerFactory.getLogger(DockerExecutor.class);
    private static final Duration PULL_TIMEOUT = Duration.ofSeconds(120);
    private static final long POLL_MILLIS = 50;

    private final DockerClient docker;
    private final String nodeId;
    private final List<Consumer<String>> watchers = new CopyOnWriteArrayList<>();
    private final Object eventsLock = new Object();
    private volatile boolean closed;
    private Events events;

    /**
     * @param docker a docker-java client (the executor closes it)
     * @param nodeId the node whose containers this executor manages
     */
    public DockerExecutor(DockerClient docker, String nodeId) {
        this.docker = docker;
        this.nodeId = nodeId;
    }

    /** An executor talking to the engine on {@code socket} (e.g. {@code /var/run/docker.sock}). */
    public static DockerExecutor open(Path socket, String nodeId) {
        return new DockerExecutor(client(socket), nodeId);
    }

    /** A docker-java client on a unix socket with short connect and generous response timeouts. */
    public static DockerClient client(Path socket) {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost("unix://" + socket)
                .build();
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .connectionTimeout(Duration.ofSeconds(5))
                .responseTimeout(Duration.ofSeconds(60))
                .build();
        return DockerClientImpl.getInstance(config, http);
    }

    /** Null when the engine answers a ping; otherwise why not. */
    public static Throwable unavailabilityCause(Path socket) {
        try (DockerClient c = client(socket)) {
            c.pingCmd().exec();
            return null;
        } catch (RuntimeException | IOException e) {
            return e;
        }
    }

    @Override
    public String kind() {
        return "docker";
    }

    @Override
    public String prepare(Task task) {
        ContainerSettings s = ContainerSettings.of(nodeId, task);
        ensureImage(task.id(), s.image());
        HostConfig host = HostConfig.newHostConfig()
                .withNetworkMode(ContainerSettings.NETWORK_MODE)
                .withDns(s.dns())
                .withRestartPolicy(RestartPolicy.noRestart());
        if (s.nanoCpus() > 0) {
            host.withNanoCPUs(s.nanoCpus());
        }
        if (s.memoryBytes() > 0) {
            host.withMemory(s.memoryBytes());
        }
        try (CreateContainerCmd cmd = docker.createContainerCmd(s.image())) {
            cmd.withName(s.name()).withLabels(s.labels()).withHostConfig(host);
            if (!s.entrypoint().isEmpty()) {
                cmd.withEntrypoint(s.entrypoint());
            }
            if (!s.cmd().isEmpty()) {
                cmd.withCmd(s.cmd());
            }
            if (!s.env().isEmpty()) {
                cmd.withEnv(s.env());
            }
            if (!s.hostname().isEmpty()) {
                cmd.withHostName(s.hostname());
            }
            if (!s.user().isEmpty()) {
                cmd.withUser(s.user());
            }
            if (!s.workdir().isEmpty()) {
                cmd.withWorkingDir(s.workdir());
            }
            s.healthCheck()
                    .ifPresent(hc -> cmd.withHealthcheck(new HealthCheck()
                            .withTest(hc.test())
                            .withInterval(hc.interval().toNanos())
                            .withTimeout(hc.timeout().toNanos())
                            .withStartPeriod(hc.startPeriod().toNanos())
                            .withRetries((int) hc.retries())));
            return cmd.exec().getId();
        } catch (ConflictException e) {
            // A container of this name exists: ours from an earlier attempt (adopt it) or a stranger's.
            return adoptByName(task, s.name(), e);
        } catch (RuntimeException e) {
            throw new ExecutorException(
                    "task " + task.id() + ": cannot create container from " + s.image() + ": " + e.getMessage(), e);
        }
    }

    private String adoptByName(Task task, String name, ConflictException cause) {
        InspectContainerResponse existing;
        try {
            existing = docker.inspectContainerCmd(name).exec();
        } catch (NotFoundException e) {
            throw new ExecutorException(
                    "task " + task.id() + ": container " + name + " conflicts: " + cause.getMessage(), cause);
        }
        Map<String, String> labels = existing.getConfig().getLabels();
        if (labels != null
                && nodeId.equals(labels.get(Labels.NODE))
                && task.id().equals(labels.get(Labels.TASK))) {
            log.info("docker executor: task {} already has container {}; using it", task.id(), existing.getId());
            return existing.getId();
        }
        throw new ExecutorException("task " + task.id() + ": the container name " + name
                + " is taken by a container that is not this node's task");
    }

    private void ensureImage(String taskId, String image) {
        try {
            docker.inspectImageCmd(image).exec();
            return;
        } catch (NotFoundException e) {
            // not here: try to pull it
        }
        try {
            boolean done =
                    docker.pullImageCmd(image).start().awaitCompletion(PULL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                throw new ExecutorException("task " + taskId + ": image " + image
                        + " is not present on this node and pulling it took longer than " + PULL_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecutorException("task " + taskId + ": interrupted while pulling " + image, e);
        } catch (RuntimeException e) {
            throw new ExecutorException(
                    "task " + taskId + ": image " + image + " is not present on this node and cannot be pulled: "
                            + e.getMessage(),
                    e);
        }
    }

    @Override
    public void start(String id) {
        try {
            docker.startContainerCmd(id).exec();
        } catch (NotModifiedException e) {
            // already running
        } catch (RuntimeException e) {
            throw new ExecutorException("container " + id + ": cannot start: " + e.getMessage(), e);
        }
    }

    @Override
    public void stop(String id, Duration grace) {
        // Our own TERM, wait, KILL instead of Docker's stop: the grace period may be under a second.
        if (!signal(id, "SIGTERM")) {
            return;
        }
        if (awaitNotRunning(id, grace)) {
            return;
        }
        log.info("docker executor: container {} still runs {} after SIGTERM; sending SIGKILL", id, grace);
        signal(id, "SIGKILL");
        if (!awaitNotRunning(id, Duration.ofSeconds(10))) {
            throw new ExecutorException("container " + id + ": still running 10 s after SIGKILL");
        }
    }

    /** Sends a signal; false when the container does not run (or does not exist). */
    private boolean signal(String id, String signal) {
        try {
            docker.killContainerCmd(id).withSignal(signal).exec();
            return true;
        } catch (NotFoundException | ConflictException e) {
            return false; // gone, or not running
        } catch (RuntimeException e) {
            throw new ExecutorException("container " + id + ": cannot send " + signal + ": " + e.getMessage(), e);
        }
    }

    private boolean awaitNotRunning(String id, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<TaskRuntime> r = inspect(id);
            if (r.isEmpty() || !r.get().running()) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ExecutorException("container " + id + ": interrupted while stopping", e);
            }
        }
    }

    @Override
    public void remove(String id) {
        try {
            docker.removeContainerCmd(id)
                    .withForce(true)
                    .withRemoveVolumes(true)
                    .exec();
        } catch (NotFoundException e) {
            // already gone
        } catch (ConflictException e) {
            // removal already in progress
        } catch (RuntimeException e) {
            throw new ExecutorException("container " + id + ": cannot remove: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<TaskRuntime> inspect(String id) {
        InspectContainerResponse r;
        try {
            r = docker.inspectContainerCmd(id).exec();
        } catch (NotFoundException e) {
            return Optional.empty();
        } catch (RuntimeException e) {
            throw new ExecutorException("container " + id + ": cannot inspect: " + e.getMessage(), e);
        }
        Map<String, String> labels = r.getConfig().getLabels();
        String taskId = labels == null ? "" : labels.getOrDefault(Labels.TASK, "");
        InspectContainerResponse.ContainerState st = r.getState();
        TaskRuntime.Phase phase;
        if (Boolean.TRUE.equals(st.getRunning())) {
            phase = TaskRuntime.Phase.RUNNING;
        } else if ("created".equals(st.getStatus())) {
            phase = TaskRuntime.Phase.CREATED;
        } else {
            phase = TaskRuntime.Phase.EXITED;
        }
        long pid = phase == TaskRuntime.Phase.RUNNING && st.getPidLong() != null ? st.getPidLong() : 0;
        Optional<Path> netns =
                pid > 0 ? Optional.of(Path.of("/proc", Long.toString(pid), "ns", "net")) : Optional.empty();
        int exit = phase == TaskRuntime.Phase.EXITED && st.getExitCodeLong() != null
                ? st.getExitCodeLong().intValue()
                : 0;
        String error = Boolean.TRUE.equals(st.getOOMKilled()) ? "out of memory" : st.getError();
        Health health =
                Health.ofDocker(st.getHealth() == null ? null : st.getHealth().getStatus());
        return Optional.of(new TaskRuntime(r.getId(), taskId, phase, pid, netns, exit, health, error));
    }

    @Override
    public List<Managed> list() {
        List<Container> found;
        try {
            found = docker.listContainersCmd()
                    .withShowAll(true)
                    .withLabelFilter(Map.of(Labels.NODE, nodeId))
                    .exec();
        } catch (RuntimeException e) {
            throw new ExecutorException(
                    "docker executor: cannot list the containers of node " + nodeId + ": " + e.getMessage(), e);
        }
        List<Managed> out = new ArrayList<>();
        for (Container c : found) {
            Map<String, String> labels = c.getLabels();
            String task = labels.get(Labels.TASK);
            if (task != null) {
                out.add(new Managed(c.getId(), task, labels.getOrDefault(Labels.SERVICE, "")));
            }
        }
        return out;
    }

    @Override
    public Subscription watch(Consumer<String> changed) {
        watchers.add(changed);
        synchronized (eventsLock) {
            if (events == null && !closed) {
                events = new Events();
                events.subscribe();
            }
        }
        return () -> watchers.remove(changed);
    }

    @Override
    public void close() {
        closed = true;
        synchronized (eventsLock) {
            if (events != null) {
                events.closeQuietly();
            }
        }
        try {
            docker.close();
        } catch (IOException e) {
            log.debug("docker executor: closing the client", e);
        }
    }

    /**
     * The engine's container events for this node's label. The stream may end (engine restart); it
     * is subscribed again a second later, and the worker's periodic pass covers what was missed.
     */
    private final class Events {
        private volatile ResultCallback.Adapter<Event> current;

        void subscribe() {
            if (closed) {
                return;
            }
            current = docker.eventsCmd()
                    .withEventTypeFilter(EventType.CONTAINER)
                    .withLabelFilter(Map.of(Labels.NODE, nodeId))
                    .exec(new ResultCallback.Adapter<Event>() {
                        @Override
                        public void onNext(Event event) {
                            String id = event.getId();
                            if (id == null && event.getActor() != null) {
                                id = event.getActor().getId();
                            }
                            if (id != null) {
                                for (Consumer<String> w : watchers) {
                                    w.accept(id);
                                }
                            }
                        }

                        @Override
                        public void onError(Throwable t) {
                            if (!closed) {
                                log.warn("docker executor: event stream failed ({}); subscribing again", t.toString());
                                resubscribeLater();
                            }
                        }

                        @Override
                        public void onComplete() {
                            if (!closed) {
                                resubscribeLater();
                            }
                        }
                    });
        }

        private void resubscribeLater() {
            Thread t = new Thread(
                    () -> {
                        try {
                            Thread.sleep(1000);
                            subscribe();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } catch (RuntimeException e) {
                            log.warn("docker executor: cannot subscribe to events: {}", e.toString());
                            resubscribeLater();
                        }
                    },
                    "shoal-docker-events");
            t.setDaemon(true);
            t.start();
        }

        void closeQuietly() {
            try {
                ResultCallback.Adapter<Event> c = current;
                if (c != null) {
                    c.close();
                }
            } catch (IOException e) {
                log.debug("docker executor: closing the event stream", e);
            }
        }
    }
}
