package io.shoal.agent.exec;

import io.shoal.model.ContainerSpec;
import io.shoal.model.Task;
import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.route.RouteNetlink;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks as plain processes, each in a network namespace of its own, for hosts without Docker.
 *
 * <p>A task's runtime id is its namespace name {@code <prefix>-<task id>} (made with {@link NetNs},
 * loopback up). The process is started through {@code nsenter --net=/run/netns/<ns> --}, which
 * enters the namespace and execs the command, so the pid is the command's. The task's {@code
 * command} followed by its {@code args} is the command line (the image is not used).
 *
 * <p>Each runtime has a record in the state folder ({@code <id>.properties}: node, service, task,
 * pid and the process's start time), so that a restarted agent finds its processes again; the start
 * time guards against a recycled pid. Output goes to {@code <id>.log} there. The exit code is known
 * for processes this executor started; one adopted after an agent restart reports -1.
 */
public final class ProcessExecutor implements Executor {
    private static final Logger log = LoggerFactory.getLogger(ProcessExecutor.class);
    /** Exit code reported for an adopted process, whose real code nobody can read any more. */
    public static final int UNKNOWN_EXIT = -1;

    private final String nodeId;
    private final String prefix;
    private final Path stateDir;
    private final Map<String, Process> children = new ConcurrentHashMap<>();
    private final List<Consumer<String>> watchers = new CopyOnWriteArrayList<>();

    /**
     * @param nodeId the node whose processes this executor manages
     * @param prefix the namespace name prefix (keep it short and unique per agent)
     * @param stateDir where runtime records and output are kept (created if missing)
     */
    public ProcessExecutor(String nodeId, String prefix, Path stateDir) {
        if (prefix == null || !prefix.matches("[a-z0-9][a-z0-9-]{0,15}")) {
            throw new IllegalArgumentException(
                    "process executor prefix: '" + prefix + "' must be 1-16 lowercase letters, digits or dashes");
        }
        this.nodeId = nodeId;
        this.prefix = prefix;
        this.stateDir = stateDir;
        try {
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new ExecutorException("process executor: cannot create state folder " + stateDir + ": " + e, e);
        }
    }

    /** Null when namespaces can be made here (netlink available, root); otherwise why not. */
    public static Throwable unavailabilityCause() {
        return NetNs.unavailabilityCause();
    }

    @Override
    public String kind() {
        return "process";
    }

    /** The namespace (and runtime id) of a task. */
    public String namespaceOf(String taskId) {
        return prefix + "-" + taskId;
    }

    @Override
    public String prepare(Task task) {
        ContainerSpec c = task.spec().container();
        List<String> command = new ArrayList<>(c.command());
        command.addAll(c.args());
        if (command.isEmpty()) {
            throw new ExecutorException(
                    "task " + task.id() + ": the process executor needs a command (container command or args)");
        }
        String id = namespaceOf(task.id());
        Properties record = new Properties();
        record.setProperty("node", nodeId);
        record.setProperty("service", task.serviceId());
        record.setProperty("task", task.id());
        record.setProperty("command", String.join("\u0000", command));
        record.setProperty("env", String.join("\u0000", c.env()));
        record.setProperty("workdir", c.workdir());
        record.setProperty("pid", "0");
        if (!NetNs.exists(id)) {
            try (NetNs ns = NetNs.create(id);
                    RouteNetlink rt = RouteNetlink.open(ns)) {
                rt.links().setUp("lo");
            } catch (RuntimeException e) {
                NetNs.deleteIfPresent(id);
                throw new ExecutorException(
                        "task " + task.id() + ": cannot make namespace " + id + ": " + e.getMessage(), e);
            }
        }
        write(id, record);
        return id;
    }

    @Override
    public void start(String id) {
        Properties record = read(id).orElseThrow(() -> new ExecutorException("process " + id + ": no such runtime"));
        if (alive(record).isPresent()) {
            return;
        }
        List<String> line = new ArrayList<>(List.of("nsenter", "--net=" + NetNs.RUN_NETNS.resolve(id), "--"));
        line.addAll(List.of(record.getProperty("command").split("\u0000")));
        ProcessBuilder pb = new ProcessBuilder(line).redirectErrorStream(true);
        pb.redirectOutput(
                ProcessBuilder.Redirect.appendTo(stateDir.resolve(id + ".log").toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        String env = record.getProperty("env", "");
        if (!env.isEmpty()) {
            for (String e : env.split("\u0000")) {
                int eq = e.indexOf('=');
                pb.environment().put(e.substring(0, eq), e.substring(eq + 1));
            }
        }
        String workdir = record.getProperty("workdir", "");
        if (!workdir.isEmpty()) {
            pb.directory(Path.of(workdir).toFile());
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new ExecutorException("process " + id + ": cannot start " + line + ": " + e.getMessage(), e);
        }
        children.put(id, p);
        record.setProperty("pid", Long.toString(p.pid()));
        record.setProperty("started", Long.toString(startTime(p.pid())));
        write(id, record);
        p.onExit().thenRun(() -> notifyWatchers(id));
    }

    @Override
    public void stop(String id, Duration grace) {
        Optional<ProcessHandle> h = read(id).flatMap(this::alive);
        if (h.isEmpty()) {
            return;
        }
        ProcessHandle p = h.get();
        p.destroy(); // SIGTERM
        if (await(p, grace)) {
            return;
        }
        log.info("process executor: {} still runs {} after SIGTERM; sending SIGKILL", id, grace);
        p.destroyForcibly();
        if (!await(p, Duration.ofSeconds(10))) {
            throw new ExecutorException("process " + id + ": still running 10 s after SIGKILL");
        }
    }

    private static boolean await(ProcessHandle p, Duration timeout) {
        try {
            p.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !p.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !p.isAlive();
        }
    }

    @Override
    public void remove(String id) {
        Optional<Properties> record = read(id);
        record.flatMap(this::alive).ifPresent(p -> {
            p.destroyForcibly();
            await(p, Duration.ofSeconds(10));
        });
        children.remove(id);
        NetNs.deleteIfPresent(id);
        try {
            Files.deleteIfExists(stateDir.resolve(id + ".properties"));
            Files.deleteIfExists(stateDir.resolve(id + ".log"));
        } catch (IOException e) {
            throw new ExecutorException("process " + id + ": cannot delete its record: " + e, e);
        }
        if (record.isPresent()) {
            notifyWatchers(id);
        }
    }

    @Override
    public Optional<TaskRuntime> inspect(String id) {
        Optional<Properties> found = read(id);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Properties record = found.get();
        String task = record.getProperty("task", "");
        long pid = Long.parseLong(record.getProperty("pid", "0"));
        if (pid == 0) {
            return Optional.of(
                    new TaskRuntime(id, task, TaskRuntime.Phase.CREATED, 0, Optional.empty(), 0, Health.NONE, ""));
        }
        if (alive(record).isPresent()) {
            return Optional.of(new TaskRuntime(
                    id,
                    task,
                    TaskRuntime.Phase.RUNNING,
                    pid,
                    Optional.of(NetNs.RUN_NETNS.resolve(id)),
                    0,
                    Health.NONE,
                    ""));
        }
        Process child = children.get(id);
        int exit = child != null ? child.exitValue() : UNKNOWN_EXIT;
        String error = child != null ? "" : "exit code unknown: the process was adopted after an agent restart";
        return Optional.of(
                new TaskRuntime(id, task, TaskRuntime.Phase.EXITED, 0, Optional.empty(), exit, Health.NONE, error));
    }

    @Override
    public List<Managed> list() {
        List<Managed> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(stateDir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".properties"))
                    .toList()) {
                String name = f.getFileName().toString();
                String id = name.substring(0, name.length() - ".properties".length());
                read(id).filter(r -> nodeId.equals(r.getProperty("node")))
                        .ifPresent(r -> out.add(new Managed(id, r.getProperty("task"), r.getProperty("service", ""))));
            }
        } catch (IOException e) {
            throw new ExecutorException("process executor: cannot list " + stateDir + ": " + e, e);
        }
        return out;
    }

    @Override
    public Subscription watch(Consumer<String> changed) {
        watchers.add(changed);
        // Adopted processes are not our children: watch their exit through their handles.
        for (Managed m : list()) {
            if (!children.containsKey(m.id())) {
                read(m.id()).flatMap(this::alive).ifPresent(p -> p.onExit().thenRun(() -> notifyWatchers(m.id())));
            }
        }
        return () -> watchers.remove(changed);
    }

    @Override
    public void close() {
        watchers.clear();
    }

    private void notifyWatchers(String id) {
        for (Consumer<String> w : watchers) {
            w.accept(id);
        }
    }

    /** The live process of a record: same pid and same start time (not a recycled pid). */
    private Optional<ProcessHandle> alive(Properties record) {
        long pid = Long.parseLong(record.getProperty("pid", "0"));
        if (pid == 0) {
            return Optional.empty();
        }
        long started = Long.parseLong(record.getProperty("started", "-1"));
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(p -> startTime(pid) == started);
    }

    /** Field 22 of {@code /proc/<pid>/stat}: start time in clock ticks since boot; -1 when gone. */
    static long startTime(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            String state = rest[0];
            if (state.equals("Z") || state.equals("X")) {
                return -1; // a zombie has ended
            }
            return Long.parseLong(rest[19]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private Optional<Properties> read(String id) {
        Path f = stateDir.resolve(id + ".properties");
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(f)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("process " + id + ": cannot read " + f, e);
        }
        return Optional.of(p);
    }

    private void write(String id, Properties record) {
        Path f = stateDir.resolve(id + ".properties");
        Path tmp = stateDir.resolve(id + ".properties.tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                record.store(out, "shoal process runtime");
            }
            Files.move(
                    tmp,
                    f,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new ExecutorException("process " + id + ": cannot write " + f + ": " + e, e);
        }
    }
}
