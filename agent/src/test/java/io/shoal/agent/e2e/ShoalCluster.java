package io.shoal.agent.e2e;

import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import io.shoal.agent.DockerCleanup;
import io.shoal.agent.exec.DockerExecutor;
import io.shoal.agent.exec.Labels;
import io.shoal.model.NodeState;
import io.shoal.netlink.ns.NetNs;
import io.shoal.testbed.ExecResult;
import io.shoal.testbed.Host;
import io.shoal.testbed.HostProcess;
import io.shoal.testbed.Namespaces;
import io.shoal.testbed.Requirements;
import io.shoal.testbed.RunPrefix;
import io.shoal.testbed.RunRecord;
import io.shoal.testbed.Testbed;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A real Shoal cluster on one machine: N testbed hosts (network namespaces on a fabric bridge,
 * 198.18.0.i), ZooKeeper and the manager on host 1, and {@code shoald} with the Docker executor on
 * every host, each a JVM of its own inside its host's namespace, sharing the machine's Docker engine.
 *
 * <pre>{@code
 * try (ShoalCluster c = ShoalCluster.builder().hosts(3).start()) {
 *     c.api().createService(ServiceSpec.replicated("web", ShoalCluster.IMAGE, 3));
 *     c.waitForRunning("web", 3);
 *     HttpResult r = c.curl(2, 8080);
 * }   // processes, containers and namespaces of the run are gone
 * }</pre>
 *
 * <p>Layout: ZooKeeper ({@link ZooKeeperMain}, the manager's embedded server in a process of its own,
 * so it can be stopped under a running cluster) listens on {@code 198.18.0.1:2181}; the manager
 * ({@code ShoalManager --zookeeper 198.18.0.1:2181}) serves the API on {@code 198.18.0.1:2377} and on a
 * unix socket in the run's folder, which {@link #api()} uses; its default address pool is
 * {@code 100.64.0.0/10}. Node {@code i} is {@code <prefix>-h<i>}, the same name as its host's namespace;
 * its containers carry {@code io.shoal.node=<prefix>-h<i>}. A client namespace ({@code 198.18.1.1})
 * sends the requests of {@link #curl} and {@link #requestLoop}.
 *
 * <p>Every process's output is kept under {@code target/e2e/<prefix>/logs/} (copied there on close)
 * and {@link #printLogs} shows the tails. {@link #close()} removes every process, container and
 * namespace of the run even when the test failed; a run whose JVM died is swept by the next start.
 */
public final class ShoalCluster implements AutoCloseable {
    /** The local test image (busybox: httpd, nslookup, wget, nc), imported by {@code testbed/provision.sh}. */
    public static final String IMAGE = "shoal/busybox:test";
    /** The overlay pool handed to the manager as its default address pool. */
    public static final String POOL = "100.64.0.0/10";
    /** ZooKeeper's client port on host 1. */
    public static final int ZOOKEEPER_PORT = 2181;
    /** The manager's TCP API port on host 1. */
    public static final int API_PORT = 2377;

    /** Node ids of this fixture: the host's namespace name, which tells the run. */
    private static final Pattern NODE_ID = Pattern.compile("(sb[a-z0-9]{4})-h[0-9]+");

    private static final Pattern WORKER_TOKEN = Pattern.compile("worker:\\s+(\\S+)");
    private static final int LOG_TAIL_LINES = 150;

    /** A process the cluster started, with the name its log is kept under. */
    private record Proc(String name, HostProcess process, Path saved) {}

    private final Builder options;
    private final Testbed testbed;
    private final Path workDir;
    private final Path socket;
    private final DockerClient docker;
    private final List<Proc> processes = new CopyOnWriteArrayList<>();
    private final HostProcess[] agents;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread containerHook;
    private Host client;
    private HostProcess zookeeper;
    private HostProcess manager;
    private ShoalApi api;
    private String workerToken;

    private ShoalCluster(Builder options, Testbed testbed) {
        this.options = options;
        this.testbed = testbed;
        this.workDir =
                options.targetDir.toAbsolutePath().resolve(testbed.prefix().value());
        // In the run's folder (removed with the run): short enough for a unix socket path.
        this.socket =
                RunRecord.runDir(RunRecord.DEFAULT_STATE_DIR, testbed.prefix()).resolve("shoal.sock");
        this.docker = DockerExecutor.client(Requirements.DOCKER_SOCKET);
        this.agents = new HostProcess[options.hosts + 1];
        // Containers are not in the testbed's namespaces: if the JVM exits without close(), remove them.
        this.containerHook = new Thread(this::removeContainersQuietly, "shoal-e2e-" + testbed.prefix() + "-containers");
        Runtime.getRuntime().addShutdownHook(containerHook);
    }

    /** A builder for a new cluster. */
    public static Builder builder() {
        return new Builder();
    }

    // ---- what the cluster is made of ----

    /** The underlying testbed (hosts, client, cut/heal). */
    public Testbed testbed() {
        return testbed;
    }

    /** The run's prefix, carried by namespaces, node ids and so containers. */
    public RunPrefix prefix() {
        return testbed.prefix();
    }

    /** Number of hosts. */
    public int size() {
        return options.hosts;
    }

    /** Host {@code i} (1-based). */
    public Host host(int i) {
        return testbed.host(checkIndex(i));
    }

    /** The client namespace ({@code 198.18.1.1}) that sends {@link #curl} requests. */
    public Host client() {
        return client;
    }

    /** Node id of host {@code i}: {@code <prefix>-h<i>}. */
    public String nodeId(int i) {
        return testbed.prefix().namespace(RunPrefix.hostName(checkIndex(i)));
    }

    /** Node ids of all hosts, host 1 first. */
    public List<String> nodeIds() {
        return IntStream.rangeClosed(1, options.hosts).mapToObj(this::nodeId).toList();
    }

    /** The host index (1-based) of {@code nodeId}. */
    public int hostIndexOf(String nodeId) {
        for (int i = 1; i <= options.hosts; i++) {
            if (nodeId(i).equals(nodeId)) {
                return i;
            }
        }
        throw new IllegalArgumentException("nodeId: '" + nodeId + "' is not a node of run " + prefix());
    }

    /** The manager's API client (over its unix socket). */
    public ShoalApi api() {
        return api;
    }

    /** The manager's unix socket. */
    public Path apiSocket() {
        return socket;
    }

    /** The worker join token the agents joined with. */
    public String workerToken() {
        return workerToken;
    }

    /** {@code target/e2e/<prefix>}: state of ZooKeeper, the manager and the agents, and the logs. */
    public Path workDir() {
        return workDir;
    }

    // ---- waiting for the control plane ----

    /**
     * Waits until service {@code service} has exactly {@code n} tasks wanted RUNNING, all reported
     * RUNNING by their agents; returns them.
     *
     * @throws AssertionError listing the service's tasks when that does not happen within the
     *     builder's {@code waitTimeout}
     */
    public List<TaskView> waitForRunning(String service, int n) {
        return waitForRunning(service, n, t -> true);
    }

    /**
     * Waits until service {@code service} has exactly {@code n} tasks wanted RUNNING, all reported
     * RUNNING and all matching {@code where} (e.g. "not on the lost node"); returns them.
     *
     * @throws AssertionError listing the service's tasks when that does not happen within the
     *     builder's {@code waitTimeout}
     */
    public List<TaskView> waitForRunning(String service, int n, java.util.function.Predicate<TaskView> where) {
        List<List<TaskView>> last = new ArrayList<>(List.of(List.of()));
        try {
            await().atMost(options.waitTimeout)
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions()
                    .until(
                            () -> {
                                List<TaskView> all = api.tasks(service);
                                last.set(0, all);
                                return all;
                            },
                            all -> {
                                List<TaskView> wanted = all.stream()
                                        .filter(t -> t.task().desiredState() == io.shoal.model.TaskState.RUNNING)
                                        .toList();
                                return wanted.size() == n
                                        && wanted.stream().allMatch(t -> t.running() && where.test(t));
                            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    "service " + service + ": " + n + " tasks RUNNING (as asked) not reached within "
                            + options.waitTimeout + "; tasks now: " + last.get(0),
                    e);
        }
        return last.get(0).stream().filter(TaskView::running).toList();
    }

    /** Waits until every agent's node is READY in the control plane. */
    public void waitForNodesReady() {
        Set<String> ids = Set.copyOf(nodeIds());
        try {
            await().atMost(options.waitTimeout)
                    .pollInterval(Duration.ofMillis(250))
                    .ignoreExceptions()
                    .until(() -> api.nodes().stream()
                                    .filter(n ->
                                            ids.contains(n.id()) && n.status().state() == NodeState.READY)
                                    .count()
                            == ids.size());
        } catch (ConditionTimeoutException e) {
            String nodes;
            try {
                nodes = api.nodes().stream()
                        .map(n -> n.id() + "=" + n.status().state())
                        .collect(Collectors.joining(", "));
            } catch (RuntimeException failure) {
                nodes = "(API: " + failure.getMessage() + ")";
            }
            throw new AssertionError(
                    "nodes " + ids + " not all READY within " + options.waitTimeout + "; now: " + nodes, e);
        }
    }

    // ---- traffic ----

    /** {@code GET /} on host {@code i}'s underlay address and {@code port}, from the client namespace. */
    public HttpResult curl(int i, int port) {
        return curl(i, port, "/");
    }

    /** {@code GET path} on host {@code i}'s underlay address and {@code port}, from the client namespace. */
    public HttpResult curl(int i, int port, String path) {
        return clientGet("http://" + host(i).address().getHostAddress() + ":" + port + path, "");
    }

    /**
     * {@code GET url} with curl from the client namespace (no keep-alive, 2 s to connect, 3 s in
     * all); {@code writeOut} is printed before the status code, which curl prints last.
     */
    public HttpResult clientGet(String url, String writeOut) {
        ExecResult r = client.exec(
                Duration.ofSeconds(10),
                "curl",
                "-sS",
                "--no-keepalive",
                "--connect-timeout",
                "2",
                "--max-time",
                "3",
                "-w",
                writeOut + "\n%{http_code}",
                url);
        return HttpResult.fromCurl(r.exitCode(), r.stdout(), r.stderr());
    }

    /**
     * Starts sending {@code GET /} to {@code port} on the given hosts in turn (a new connection each
     * time), one after another with {@code interval} between them, for at most {@code maxDuration}.
     */
    public RequestLoop requestLoop(int port, Duration interval, Duration maxDuration, int... hosts) {
        for (int h : hosts) {
            checkIndex(h);
        }
        return new RequestLoop(h -> curl(h, port), hosts, interval, maxDuration).start();
    }

    // ---- inside tasks ----

    /** The container id of task {@code taskId}: from the agent's report, else from the container labels. */
    public String containerOf(String taskId) {
        for (TaskView t : api.tasks()) {
            if (t.id().equals(taskId) && !t.containerId().isEmpty()) {
                return t.containerId();
            }
        }
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(Labels.TASK, taskId)).exec().stream()
                .filter(c -> nodeIds().contains(c.getLabels().get(Labels.NODE)))
                .map(Container::getId)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("taskId: no container for task '" + taskId + "'"));
    }

    /** The pid of task {@code taskId}'s container, from {@code docker inspect}. */
    public long taskPid(String taskId) {
        Long pid = docker.inspectContainerCmd(containerOf(taskId))
                .exec()
                .getState()
                .getPidLong();
        if (pid == null || pid <= 0) {
            throw new IllegalStateException("task " + taskId + ": its container is not running (no pid)");
        }
        return pid;
    }

    /**
     * Runs {@code command} (a program of the machine, e.g. {@code dig}) inside task {@code taskId}'s
     * network namespace: {@code nsenter --net=/proc/<pid>/ns/net -- command}. Waits up to 20 s.
     */
    public ExecResult inTask(String taskId, String... command) {
        List<String> line = new ArrayList<>(List.of("nsenter", "--net=/proc/" + taskPid(taskId) + "/ns/net", "--"));
        line.addAll(List.of(command));
        return Commands.run(Duration.ofSeconds(20), line);
    }

    /** TCP ports (IPv4 and IPv6) on which some process inside task {@code taskId} listens. */
    public Set<Integer> listeningTcpPorts(String taskId) {
        ExecResult r = inTask(taskId, "cat", "/proc/net/tcp", "/proc/net/tcp6");
        if (!r.ok()) {
            throw new IllegalStateException("task " + taskId + ": cannot read its sockets: " + r.stderr());
        }
        Set<Integer> ports = new java.util.TreeSet<>();
        for (String line : r.stdout().lines().toList()) {
            String[] f = line.trim().split("\\s+");
            // sl local_address rem_address st ...: state 0A is LISTEN; the port is hex after the colon.
            if (f.length > 3 && f[3].equals("0A")) {
                ports.add(Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16));
            }
        }
        return ports;
    }

    /** The containers of node {@code i}, running or not. */
    public List<Container> containers(int i) {
        return DockerCleanup.labelled(docker, nodeId(i));
    }

    /** The containers of every node of the run. */
    public List<Container> containers() {
        List<Container> all = new ArrayList<>();
        for (int i = 1; i <= options.hosts; i++) {
            all.addAll(containers(i));
        }
        return all;
    }

    // ---- faults ----

    /** True while host {@code i}'s {@code shoald} runs. */
    public boolean agentAlive(int i) {
        HostProcess p = agents[checkIndex(i)];
        return p != null && p.isAlive();
    }

    /** Kills host {@code i}'s {@code shoald} with SIGKILL; its containers keep running. */
    public void killAgent(int i) {
        HostProcess p = agents[checkIndex(i)];
        if (p != null) {
            p.kill();
        }
    }

    /** Starts host {@code i}'s {@code shoald} again (after {@link #killAgent} or {@link #killHost}). */
    public void startAgent(int i) {
        if (agentAlive(i)) {
            throw new IllegalStateException("host " + i + ": shoald runs already (pid " + agents[i].pid() + ")");
        }
        agents[i] = launch(
                host(i),
                "shoald-h" + i,
                "io.shoal.agent.Shoald",
                "--node-id",
                nodeId(i),
                "--hostname",
                nodeId(i),
                "--zookeeper",
                zookeeperAddress(),
                "--executor",
                "docker",
                "--advertise-addr",
                host(i).address().getHostAddress(),
                "--join-token",
                workerToken,
                "--state-dir",
                workDir.resolve("h" + i).toString(),
                "--session-timeout",
                options.agentSessionTimeout.toMillis() + "ms",
                // Namespaces the data plane makes carry the run's prefix, so cleanup finds them,
                // and the host's index: each agent sweeps the task namespaces under its own prefix.
                "--sandbox-prefix",
                prefix().value() + "-s" + i + "-",
                "--netns-prefix",
                taskNamespacePrefix(i),
                // Names Shoal does not own go to the client namespace (a test may run a resolver
                // there), never to the machine's own resolvers.
                "--dns-upstream",
                client().address().getHostAddress() + ":53",
                "--leave-delay",
                options.leaveDelay.toMillis() + "ms");
    }

    /** The {@code --netns-prefix} of host {@code i}'s agent: {@code <prefix>-t<i>-}. */
    public String taskNamespacePrefix(int i) {
        return prefix().value() + "-t" + checkIndex(i) + "-";
    }

    /**
     * Host {@code i} dies: its agent is killed (SIGKILL), then its containers (SIGKILL), as when a
     * machine loses power. The host's namespace and the manager (on host 1) stay.
     */
    public void killHost(int i) {
        killAgent(i);
        for (Container c : containers(i)) {
            if ("running".equals(c.getState())) {
                try {
                    docker.killContainerCmd(c.getId()).withSignal("SIGKILL").exec();
                } catch (RuntimeException e) {
                    // It exited meanwhile.
                }
            }
        }
    }

    /** Pulls host {@code i}'s cable: its fabric link goes down. */
    public void cut(int i) {
        host(i).cutOff();
    }

    /** Plugs host {@code i} back in. */
    public void heal(int i) {
        host(i).heal();
    }

    /**
     * Stops ZooKeeper (SIGKILL, as a crash): the manager and the agents lose their connection and
     * keep what they last saw. Its data directory stays for {@link #startZooKeeper()}.
     */
    public void stopZooKeeper() {
        zookeeper.kill();
    }

    /** True while the ZooKeeper process runs. */
    public boolean zookeeperAlive() {
        return zookeeper != null && zookeeper.isAlive();
    }

    /** Starts ZooKeeper again on the same data; returns once it accepts connections. */
    public void startZooKeeper() {
        if (zookeeper != null && zookeeper.isAlive()) {
            throw new IllegalStateException("zookeeper runs already (pid " + zookeeper.pid() + ")");
        }
        zookeeper = launch(
                host(1),
                "zookeeper",
                ZooKeeperMain.class.getName(),
                zookeeperAddress(),
                workDir.resolve("zookeeper").toString(),
                Integer.toString(options.zookeeperTickMs));
        awaitListening(zookeeper, "zookeeper", ZOOKEEPER_PORT);
    }

    /** The process of host {@code i}'s agent (null before it started). */
    public HostProcess agentProcess(int i) {
        return agents[checkIndex(i)];
    }

    /** The manager's process. */
    public HostProcess managerProcess() {
        return manager;
    }

    // ---- logs ----

    /** Prints the last lines of every process's log, and where the full logs are. */
    public void printLogs(PrintStream out) {
        out.println("==== shoal cluster " + prefix() + ": logs (full files in " + workDir.resolve("logs") + ")");
        for (Proc p : processes) {
            String text = output(p);
            List<String> lines = text.lines().toList();
            int from = Math.max(0, lines.size() - LOG_TAIL_LINES);
            out.println("---- " + p.name() + " (pid " + p.process().pid()
                    + (p.process().isAlive() ? ", alive" : ", exited") + ", " + lines.size() + " lines"
                    + (from > 0 ? ", last " + LOG_TAIL_LINES : "") + ")");
            lines.subList(from, lines.size()).forEach(l -> out.println("  " + l));
        }
        out.flush();
    }

    /** Everything process {@code name} (e.g. {@code manager}, {@code shoald-h2}) wrote, all its runs. */
    public String log(String name) {
        return processes.stream()
                .filter(p -> p.name().equals(name) || p.name().startsWith(name + "#"))
                .map(this::output)
                .collect(Collectors.joining());
    }

    private String output(Proc p) {
        if (Files.exists(p.saved())) {
            try {
                return Files.readString(p.saved(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(cannot read " + p.saved() + ": " + e.getMessage() + ")";
            }
        }
        try {
            return p.process().output();
        } catch (RuntimeException e) {
            return "(log gone: " + e.getMessage() + ")";
        }
    }

    // ---- life cycle ----

    private void startAll() {
        client = testbed.addClient("client");
        createDirectories(workDir.resolve("logs"));
        startZooKeeper();
        manager = launch(
                host(1),
                "manager",
                "io.shoal.controlplane.startup.ShoalManager",
                "--state-dir",
                workDir.resolve("manager").toString(),
                "--zookeeper",
                zookeeperAddress(),
                "--id",
                prefix().value() + "-m1",
                "--socket",
                socket.toString(),
                "--listen",
                host(1).address().getHostAddress() + ":" + API_PORT,
                "--pool",
                POOL,
                "--grace",
                Long.toString(options.grace.toSeconds()));
        api = new ShoalApi(socket);
        workerToken = awaitWorkerToken();
        await().atMost(options.waitTimeout).pollInterval(Duration.ofMillis(200)).until(() -> {
            requireAlive(manager, "manager");
            return api.healthy();
        });
        for (int i = 1; i <= options.hosts; i++) {
            startAgent(i);
        }
        waitForNodesReady();
    }

    private String awaitWorkerToken() {
        String[] token = new String[1];
        await().atMost(options.waitTimeout).pollInterval(Duration.ofMillis(200)).until(() -> {
            requireAlive(manager, "manager");
            Matcher m = WORKER_TOKEN.matcher(manager.output());
            if (m.find()) {
                token[0] = m.group(1);
                return true;
            }
            return false;
        });
        return token[0];
    }

    private static void requireAlive(HostProcess p, String name) {
        if (!p.isAlive()) {
            throw new IllegalStateException(name + " exited (status " + p.waitFor(Duration.ZERO) + "): " + p.output());
        }
    }

    private void awaitListening(HostProcess p, String name, int port) {
        await().atMost(options.waitTimeout).pollInterval(Duration.ofMillis(200)).until(() -> {
            requireAlive(p, name);
            return p.host().listeningTcpPorts().contains(port);
        });
    }

    private String zookeeperAddress() {
        return host(1).address().getHostAddress() + ":" + ZOOKEEPER_PORT;
    }

    /** Starts {@code java <options> -cp <this JVM's class path> mainClass args} inside {@code host}. */
    private HostProcess launch(Host host, String name, String mainClass, String... args) {
        List<String> line = new ArrayList<>();
        line.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        line.addAll(options.jvmOptions);
        String leaks = System.getProperty("io.netty.leakDetection.level");
        if (leaks != null) {
            line.add("-Dio.netty.leakDetection.level=" + leaks);
        }
        line.add("-cp");
        line.add(System.getProperty("java.class.path"));
        line.add(mainClass);
        line.addAll(List.of(args));
        HostProcess p = host.start(line.toArray(String[]::new));
        long runs = processes.stream()
                .filter(q -> q.name().equals(name) || q.name().startsWith(name + "#"))
                .count();
        String unique = runs == 0 ? name : name + "#" + (runs + 1);
        processes.add(new Proc(unique, p, workDir.resolve("logs").resolve(unique + ".log")));
        return p;
    }

    /**
     * Kills every process (agents first, so that nothing restarts a container), keeps the logs under
     * {@link #workDir()}, removes the run's containers, the testbed (namespaces, links, record) and any
     * other namespace named with the run's prefix. Runs every step even when one fails, then throws
     * the first failure. Calling it again does nothing.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<RuntimeException> failures = new ArrayList<>();
        for (int i = options.hosts; i >= 1; i--) {
            int index = i;
            step(failures, () -> killAgent(index));
        }
        step(failures, () -> {
            if (manager != null) {
                manager.kill();
            }
        });
        step(failures, () -> {
            if (zookeeper != null) {
                zookeeper.kill();
            }
        });
        step(failures, this::saveLogs);
        step(failures, this::removeContainers);
        step(failures, testbed::close);
        step(failures, this::removeStrayNamespaces);
        step(failures, docker::close);
        try {
            Runtime.getRuntime().removeShutdownHook(containerHook);
        } catch (IllegalStateException e) {
            // The JVM is exiting; the hook finds nothing left.
        }
        if (!failures.isEmpty()) {
            RuntimeException first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void step(List<RuntimeException> failures, Step step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            failures.add(e);
        } catch (Exception e) {
            failures.add(new IllegalStateException("teardown step failed: " + e, e));
        }
    }

    private void saveLogs() throws IOException {
        createDirectories(workDir.resolve("logs"));
        for (Proc p : processes) {
            if (!Files.exists(p.saved())) {
                Files.writeString(p.saved(), p.process().output(), StandardCharsets.UTF_8);
            }
        }
    }

    private void removeContainers() throws Exception {
        DockerCleanup.removeAll(nodeIds().toArray(String[]::new));
    }

    private void removeContainersQuietly() {
        try {
            removeContainers();
        } catch (Exception e) {
            System.err.println("shoal e2e " + prefix() + ": removing containers at exit failed: " + e);
        }
    }

    /** Namespaces the agents made with the run's prefix (e.g. network sandboxes named after the node). */
    private void removeStrayNamespaces() {
        for (String ns : Namespaces.list()) {
            if (testbed.prefix().owns(ns)) {
                Namespaces.killAllIn(Namespaces.inode(ns));
                NetNs.deleteIfPresent(ns);
            }
        }
    }

    /**
     * Removes containers left by fixture runs whose JVM died before closing: their node label names a
     * run ({@code sbxxxx-h<i>}) of which no record and no host namespace remains.
     */
    static int sweepDeadRunContainers(DockerClient docker) {
        Set<String> namespaces = Namespaces.list();
        int removed = 0;
        for (Container c : docker.listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(List.of(Labels.NODE))
                .exec()) {
            Matcher m = NODE_ID.matcher(c.getLabels().getOrDefault(Labels.NODE, ""));
            if (!m.matches()) {
                continue;
            }
            RunPrefix run = RunPrefix.of(m.group(1));
            boolean alive = RunRecord.read(RunRecord.DEFAULT_STATE_DIR, run).isPresent()
                    || namespaces.stream().anyMatch(run::owns);
            if (!alive) {
                docker.removeContainerCmd(c.getId()).withForce(true).exec();
                removed++;
            }
        }
        return removed;
    }

    private int checkIndex(int i) {
        if (i < 1 || i > options.hosts) {
            throw new IllegalArgumentException("host index: expected 1.." + options.hosts + ", got " + i);
        }
        return i;
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * For {@code @AfterAll}: closes the cluster (when it was made) and fails if anything of the run
     * is left behind (namespaces, links, processes).
     */
    public static void closeAndCheck(ShoalCluster cluster) {
        if (cluster == null) {
            return;
        }
        cluster.close();
        org.assertj.core.api.Assertions.assertThat(cluster.testbed().leftovers().isEmpty())
                .as("leftovers of %s: %s", cluster.prefix(), cluster.testbed().leftovers())
                .isTrue();
    }

    @Override
    public String toString() {
        return "ShoalCluster " + prefix() + " (" + options.hosts + " hosts, nodes " + nodeIds() + ")";
    }

    /** Builds and starts a cluster. */
    public static final class Builder {
        private int hosts = 3;
        private Duration grace = Duration.ofSeconds(10);
        private Duration agentSessionTimeout = Duration.ofSeconds(6);
        private Duration leaveDelay = Duration.ofSeconds(1);
        private int zookeeperTickMs = 500;
        private Duration waitTimeout = Duration.ofSeconds(60);
        private Path targetDir = Path.of("target", "e2e");
        // Lean JVMs: four of them share two cores with the test and other builds.
        private List<String> jvmOptions = List.of(
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Xss512k",
                "-Xms32m",
                "-Xmx256m",
                "-XX:MinHeapFreeRatio=10",
                "-XX:MaxHeapFreeRatio=30",
                "-XX:-UsePerfData");

        private Builder() {}

        /** Number of hosts, 1..20 (default 3). */
        public Builder hosts(int n) {
            if (n < 1 || n > 20) {
                throw new IllegalArgumentException("hosts: expected 1..20, got " + n);
            }
            this.hosts = n;
            return this;
        }

        /** The manager's {@code --grace}: how long a vanished node may take to come back (default 10 s). */
        public Builder grace(Duration value) {
            this.grace = value;
            return this;
        }

        /** The agents' ZooKeeper session timeout (default 6 s; ZooKeeper allows 1-10 s with its 500 ms tick). */
        public Builder agentSessionTimeout(Duration value) {
            this.agentSessionTimeout = value;
            return this;
        }

        /** The agents' {@code --leave-delay}: a stopping task serves this long after leaving the endpoints. */
        public Builder leaveDelay(Duration value) {
            this.leaveDelay = value;
            return this;
        }

        /** How long start-up and {@link ShoalCluster#waitForRunning} wait (default 60 s). */
        public Builder waitTimeout(Duration value) {
            this.waitTimeout = value;
            return this;
        }

        /** Where {@code <prefix>/} with state and logs goes (default {@code target/e2e}). */
        public Builder targetDir(Path value) {
            this.targetDir = value;
            return this;
        }

        /** Options of every JVM the cluster starts (default: serial GC, C1 only, 256 MiB heap). */
        public Builder jvmOptions(List<String> value) {
            this.jvmOptions = List.copyOf(value);
            return this;
        }

        /**
         * Sweeps containers of dead runs, makes the testbed and starts ZooKeeper, the manager and the
         * agents; returns once every node is READY.
         *
         * @throws RuntimeException when a step fails: the logs are printed to standard error and
         *     everything made so far is removed
         */
        public ShoalCluster start() {
            try (DockerClient d = DockerExecutor.client(Requirements.DOCKER_SOCKET)) {
                if (d.listImagesCmd().withReferenceFilter(IMAGE).exec().isEmpty()) {
                    throw new IllegalStateException("image " + IMAGE + " is missing: run testbed/provision.sh");
                }
                sweepDeadRunContainers(d);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Testbed tb = Testbed.builder().hosts(hosts).start();
            ShoalCluster c;
            try {
                c = new ShoalCluster(this, tb);
            } catch (RuntimeException e) {
                tb.close();
                throw e;
            }
            try {
                c.startAll();
                return c;
            } catch (RuntimeException | Error e) {
                try {
                    c.printLogs(System.err);
                    c.close();
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            }
        }
    }
}
