package io.shoal.testbed;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hosts as network namespaces on one machine, joined by a bridge in a fabric namespace of its own.
 *
 * <pre>{@code
 * try (Testbed tb = Testbed.builder().hosts(3).start()) {
 *     Host h1 = tb.host(1);                       // namespace sbq7k2-h1, 198.18.0.1/16 on eth0
 *     HostProcess echo = tb.host(2).start("socat", "TCP-LISTEN:7000,fork", "PIPE");
 *     h1.execWithInput("hi", timeout, "socat", "-", "TCP:198.18.0.2:7000");
 *     tb.host(2).cutOff();
 * }                                               // everything of the run is gone
 * }</pre>
 *
 * <p>Every name carries the run's {@link RunPrefix}. The run is recorded under
 * {@code /run/shoal-testbed/<prefix>/} before anything is made; {@link #close()} (also run by a JVM
 * shutdown hook) kills every process inside the run's namespaces, deletes the namespaces and then the
 * record. Runs whose JVM died anyway are removed by the {@link Sweeper}, which {@link Builder#start()}
 * runs first.
 */
public final class Testbed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Testbed.class);

    private final RunPrefix prefix;
    private final Path stateDir;
    private final boolean kept;
    private final Map<String, Host> members = new LinkedHashMap<>();
    private final Map<String, Long> inodes = new LinkedHashMap<>();
    private final List<HostProcess> processes = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger logSequence = new AtomicInteger();
    private RunRecord record;
    private Thread shutdownHook;

    private Testbed(RunPrefix prefix, Path stateDir, RunRecord record, boolean kept) {
        this.prefix = prefix;
        this.stateDir = stateDir;
        this.record = record;
        this.kept = kept;
    }

    /** A builder for a new run. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Attaches to a run that already exists, e.g. one the script face keeps between commands. Closing
     * the returned testbed tears that run down.
     *
     * @throws TestbedException when no such run is recorded
     */
    public static Testbed attach(Path stateDir, RunPrefix prefix) {
        RunRecord record = RunRecord.read(stateDir, prefix)
                .orElseThrow(() -> new TestbedException("no testbed run " + prefix + " recorded in " + stateDir));
        Testbed tb = new Testbed(prefix, stateDir, record, record.isKept());
        for (int i = 1; i <= record.hosts(); i++) {
            tb.members.put(
                    RunPrefix.hostName(i), new Host(tb, RunPrefix.hostName(i), Host.Role.HOST, AddressPlan.host(i)));
        }
        int k = 0;
        for (String client : record.clients()) {
            tb.members.put(client, new Host(tb, client, Host.Role.CLIENT, AddressPlan.client(++k)));
        }
        for (String ns : tb.namespaces()) {
            if (Namespaces.list().contains(ns)) {
                tb.inodes.put(ns, Namespaces.inode(ns));
            }
        }
        return tb;
    }

    /** The run's prefix, carried by every namespace and link it makes. */
    public RunPrefix prefix() {
        return prefix;
    }

    /** The hosts, {@code h1} first. */
    public List<Host> hosts() {
        return members.values().stream().filter(h -> h.role() == Host.Role.HOST).toList();
    }

    /** The clients, in the order they were added. */
    public List<Host> clients() {
        return members.values().stream()
                .filter(h -> h.role() == Host.Role.CLIENT)
                .toList();
    }

    /** Host {@code index}, 1-based as in its name and address. */
    public Host host(int index) {
        return member(RunPrefix.hostName(index));
    }

    /**
     * The host or client called {@code name}.
     *
     * @throws IllegalArgumentException naming the members that exist when there is no such member
     */
    public Host member(String name) {
        Host h = members.get(name);
        if (h == null) {
            throw new IllegalArgumentException(
                    "member: no '" + name + "' in run " + prefix + "; members are " + members.keySet());
        }
        return h;
    }

    /**
     * Adds a client or external load balancer: a namespace on the same fabric with the next address in
     * {@code 198.18.1.0/24}.
     *
     * @param name 1-8 characters, a lowercase letter then letters or digits, e.g. {@code lb} or {@code client}
     */
    public synchronized Host addClient(String name) {
        checkOpen();
        RunPrefix.checkClientName(name);
        if (members.containsKey(name)) {
            throw new IllegalArgumentException("client name: '" + name + "' already exists in run " + prefix);
        }
        Host client = new Host(
                this, name, Host.Role.CLIENT, AddressPlan.client(clients().size() + 1));
        record = record.withClient(name);
        record.write(stateDir);
        members.put(name, client);
        plugIn(client);
        return client;
    }

    /** All namespaces of the run, members first and the fabric last. */
    public List<String> namespaces() {
        List<String> all = new ArrayList<>();
        members.values().forEach(h -> all.add(h.namespace()));
        all.add(prefix.fabricNamespace());
        return all;
    }

    /** Inode of each namespace the run made, kept after close so that leftovers can be found. */
    public Map<String, Long> namespaceInodes() {
        return Collections.unmodifiableMap(inodes);
    }

    /** What of this run still exists on the machine; empty after a successful {@link #close()}. */
    public Leftovers leftovers() {
        return Leftovers.find(prefix, inodes.values());
    }

    /** True once {@link #close()} ran. */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Tears the run down: kills its processes (SIGKILL, every process inside its namespaces), deletes
     * member namespaces then the fabric namespace, then the run record. Runs every step even when one
     * fails, then throws the first failure. Calling it again does nothing.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        TestbedException failure = null;
        for (HostProcess p : processes) {
            try {
                p.kill();
            } catch (RuntimeException e) {
                failure = add(failure, e);
            }
        }
        for (String ns : namespaces()) {
            try {
                Long inode = inodes.get(ns);
                if (inode != null) {
                    Namespaces.killAllIn(inode);
                }
                Wiring.deleteNamespace(ns);
            } catch (RuntimeException e) {
                failure = add(failure, e);
            }
        }
        try {
            RunRecord.delete(stateDir, prefix);
        } catch (RuntimeException e) {
            failure = add(failure, e);
        }
        removeShutdownHook();
        if (failure != null) {
            throw failure;
        }
        log.debug("testbed {} closed", prefix);
    }

    void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("testbed " + prefix + " is closed");
        }
    }

    void track(HostProcess p) {
        processes.add(p);
    }

    Path nextLogFile(String member) {
        return RunRecord.runDir(stateDir, prefix)
                .resolve("logs")
                .resolve(member + "-" + logSequence.incrementAndGet() + ".log");
    }

    private void create(int hostCount) {
        record.write(stateDir);
        if (!kept) {
            shutdownHook = new Thread(this::closeFromHook, "shoal-testbed-" + prefix + "-teardown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
        String fabric = prefix.fabricNamespace();
        Wiring.addNamespace(fabric);
        inodes.put(fabric, Namespaces.inode(fabric));
        Wiring.addBridge(fabric, prefix.bridge());
        for (int i = 1; i <= hostCount; i++) {
            Host h = new Host(this, RunPrefix.hostName(i), Host.Role.HOST, AddressPlan.host(i));
            members.put(h.name(), h);
            plugIn(h);
        }
    }

    private void plugIn(Host member) {
        Wiring.addNamespace(member.namespace());
        inodes.put(member.namespace(), Namespaces.inode(member.namespace()));
        Wiring.plugIn(
                prefix.fabricNamespace(),
                prefix.bridge(),
                member.fabricLink(),
                member.namespace(),
                Host.UPLINK,
                member.address(),
                AddressPlan.PREFIX_LENGTH);
    }

    private void closeFromHook() {
        try {
            close();
        } catch (RuntimeException e) {
            System.err.println("shoal testbed " + prefix + ": teardown at exit failed: " + e.getMessage());
        }
    }

    private void removeShutdownHook() {
        if (shutdownHook == null || Thread.currentThread() == shutdownHook) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook finds the testbed closed and does nothing.
        }
    }

    private static TestbedException add(TestbedException first, RuntimeException e) {
        if (first == null) {
            return e instanceof TestbedException t ? t : new TestbedException("teardown failed: " + e.getMessage(), e);
        }
        first.addSuppressed(e);
        return first;
    }

    @Override
    public String toString() {
        return "Testbed " + prefix + " " + members.values();
    }

    /** Builds and starts a testbed run. */
    public static final class Builder {
        private int hosts = 3;
        private RunPrefix prefix;
        private Path stateDir = RunRecord.DEFAULT_STATE_DIR;
        private boolean keep;
        private boolean sweep = true;

        private Builder() {}

        /** Number of hosts, 1..254 (default 3). */
        public Builder hosts(int count) {
            if (count < 1 || count > AddressPlan.MAX_MEMBERS) {
                throw new IllegalArgumentException("hosts: expected 1.." + AddressPlan.MAX_MEMBERS + ", got " + count);
            }
            this.hosts = count;
            return this;
        }

        /** The run's prefix (default: a fresh random one). */
        public Builder prefix(RunPrefix value) {
            this.prefix = value;
            return this;
        }

        /** Where run records and process logs go (default {@code /run/shoal-testbed}). */
        public Builder stateDir(Path dir) {
            this.stateDir = dir;
            return this;
        }

        /**
         * Keeps the run after this JVM exits (no shutdown hook, not swept) until someone attaches and
         * closes it: what the script face's {@code up} does.
         */
        public Builder keepAfterExit(boolean value) {
            this.keep = value;
            return this;
        }

        /** Whether to sweep dead runs first (default true). */
        public Builder sweepFirst(boolean value) {
            this.sweep = value;
            return this;
        }

        /**
         * Makes the fabric and the hosts.
         *
         * @throws TestbedException when a step fails; whatever was made is removed again
         */
        public Testbed start() {
            if (sweep) {
                new Sweeper(stateDir).sweep();
            }
            RunPrefix p = prefix != null ? prefix : RunPrefix.random();
            if (Namespaces.list().stream().anyMatch(p::owns)) {
                throw new TestbedException("prefix " + p + " is in use: namespaces with it exist");
            }
            RunRecord record = keep ? RunRecord.kept(p, hosts) : RunRecord.ownedByThisJvm(p, hosts);
            Testbed tb = new Testbed(p, stateDir, record, keep);
            try {
                tb.create(hosts);
            } catch (RuntimeException e) {
                try {
                    tb.close();
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            }
            log.info("testbed {} up: {} hosts", p, hosts);
            return tb;
        }
    }
}
