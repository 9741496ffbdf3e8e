package io.shoal.testbed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A long-running process inside a testbed member, as a machine's process would be: it can be killed
 * (SIGKILL, like a crash), paused (SIGSTOP, like a hung machine) and resumed (SIGCONT).
 *
 * <p>Signals reach the process and all its descendants. Its standard output and error go to a log
 * file in the run's folder, readable with {@link #output()}.
 */
public final class HostProcess {
    private final Host host;
    private final List<String> command;
    private final Process process;
    private final Path log;

    HostProcess(Host host, List<String> command, Process process, Path log) {
        this.host = host;
        this.command = List.copyOf(command);
        this.process = process;
        this.log = log;
    }

    /** The member the process runs in. */
    public Host host() {
        return host;
    }

    /** The command as given to {@link Host#start(String...)}. */
    public List<String> command() {
        return command;
    }

    /** The process id (the command itself: {@code nsenter} execs it). */
    public long pid() {
        return process.pid();
    }

    /** True until the process has exited (a paused process is alive). */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** True while the process is stopped by {@link #pause()}. */
    public boolean isPaused() {
        return ProcStat.state(pid()) == 'T';
    }

    /** Kills the process and its descendants with SIGKILL and waits for it to exit. */
    public void kill() {
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(process.toHandle());
        process.descendants().forEach(tree::add);
        tree.forEach(ProcessHandle::destroyForcibly);
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new TestbedException(
                        "process " + pid() + " (" + String.join(" ", command) + ") survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TestbedException("interrupted while killing process " + pid(), e);
        }
    }

    /**
     * Stops the process and its descendants with SIGSTOP; the kernel keeps their sockets open. Returns
     * once the process is stopped: signal delivery is asynchronous.
     */
    public void pause() {
        Signals.send("STOP", tree());
        awaitPaused(true);
    }

    /** Continues a paused process and its descendants with SIGCONT; returns once it runs again. */
    public void resume() {
        Signals.send("CONT", tree());
        awaitPaused(false);
    }

    private void awaitPaused(boolean paused) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (isAlive() && isPaused() != paused) {
            if (System.nanoTime() > deadline) {
                throw new TestbedException(
                        "process " + pid() + " did not " + (paused ? "stop" : "continue") + " within 5s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /** Waits up to {@code timeout} for the process to exit; returns its status if it did. */
    public OptionalInt waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    ? OptionalInt.of(process.exitValue())
                    : OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TestbedException("interrupted while waiting for process " + pid(), e);
        }
    }

    /** What the process wrote to standard output and error so far. */
    public String output() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new TestbedException("cannot read " + log + ": " + e.getMessage(), e);
        }
    }

    private List<Long> tree() {
        List<Long> pids = new ArrayList<>();
        if (process.isAlive()) {
            pids.add(pid());
        }
        process.descendants().forEach(h -> pids.add(h.pid()));
        return pids;
    }

    @Override
    public String toString() {
        return host.name() + ":" + pid() + " " + String.join(" ", command);
    }
}
