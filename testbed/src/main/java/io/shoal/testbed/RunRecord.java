package io.shoal.testbed;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * What the machine remembers about one testbed run: who owns it and what it is made of.
 *
 * <p>Stored as {@code <stateDir>/<prefix>/run.properties} (by default under {@code /run/shoal-testbed},
 * which the kernel empties at boot, just as it forgets the namespaces). It is written before the first
 * namespace is made and deleted after the last one is gone, so a crashed run always leaves a record
 * whose owner is dead: that is what the {@link Sweeper} looks for.
 *
 * @param prefix the run's prefix
 * @param ownerPid the pid of the JVM that owns the run; 0 for a run kept by the script face
 * @param ownerStartTime the owner's start time in clock ticks since boot, so a reused pid is not
 *     mistaken for the owner
 * @param hosts how many hosts the run has
 * @param clients names of the clients, in the order they were added
 */
public record RunRecord(RunPrefix prefix, long ownerPid, long ownerStartTime, int hosts, List<String> clients) {
    /** Where records are kept unless a test says otherwise. */
    public static final Path DEFAULT_STATE_DIR = Path.of("/run/shoal-testbed");

    private static final String FILE = "run.properties";

    /** Checks the fields. */
    public RunRecord {
        if (prefix == null) {
            throw new IllegalArgumentException("prefix: required");
        }
        if (ownerPid < 0) {
            throw new IllegalArgumentException("ownerPid: expected >= 0, got " + ownerPid);
        }
        if (hosts < 0 || hosts > AddressPlan.MAX_MEMBERS) {
            throw new IllegalArgumentException("hosts: expected 0.." + AddressPlan.MAX_MEMBERS + ", got " + hosts);
        }
        clients = List.copyOf(clients);
    }

    /** A record owned by the running JVM. */
    public static RunRecord ownedByThisJvm(RunPrefix prefix, int hosts) {
        long pid = ProcessHandle.current().pid();
        long start = ProcStat.startTime(pid).orElseThrow(() -> new TestbedException("cannot read /proc/self/stat"));
        return new RunRecord(prefix, pid, start, hosts, List.of());
    }

    /** A record that no process owns: the script face keeps such a run until {@code down}. */
    public static RunRecord kept(RunPrefix prefix, int hosts) {
        return new RunRecord(prefix, 0, 0, hosts, List.of());
    }

    /** True when a person keeps this run (script face) rather than a JVM. */
    public boolean isKept() {
        return ownerPid == 0;
    }

    /** True when the owning process still runs (same pid and same start time), or the run is kept. */
    public boolean ownerAlive() {
        if (isKept()) {
            return true;
        }
        OptionalLong start = ProcStat.startTime(ownerPid);
        return start.isPresent() && start.getAsLong() == ownerStartTime;
    }

    /** This record with one more client. */
    public RunRecord withClient(String client) {
        List<String> more = new ArrayList<>(clients);
        more.add(client);
        return new RunRecord(prefix, ownerPid, ownerStartTime, hosts, more);
    }

    /** The run's own folder under {@code stateDir}: the record and the logs of its processes. */
    public static Path runDir(Path stateDir, RunPrefix prefix) {
        return stateDir.resolve(prefix.value());
    }

    /** Writes the record atomically (write then rename), creating the run's folder. */
    public void write(Path stateDir) {
        Path dir = runDir(stateDir, prefix);
        Properties p = new Properties();
        p.setProperty("prefix", prefix.value());
        p.setProperty("owner.pid", Long.toString(ownerPid));
        p.setProperty("owner.starttime", Long.toString(ownerStartTime));
        p.setProperty("hosts", Integer.toString(hosts));
        p.setProperty("clients", String.join(",", clients));
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(FILE + ".tmp");
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(w, "shoal testbed run");
            }
            Files.move(tmp, dir.resolve(FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new TestbedException("cannot write run record in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Reads the record of run {@code prefix}, if there is one. */
    public static Optional<RunRecord> read(Path stateDir, RunPrefix prefix) {
        Path file = runDir(stateDir, prefix).resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new TestbedException("cannot read run record " + file + ": " + e.getMessage(), e);
        }
        try {
            String clients = p.getProperty("clients", "");
            return Optional.of(new RunRecord(
                    RunPrefix.of(p.getProperty("prefix")),
                    Long.parseLong(required(p, "owner.pid", file)),
                    Long.parseLong(required(p, "owner.starttime", file)),
                    Integer.parseInt(required(p, "hosts", file)),
                    clients.isEmpty() ? List.of() : Arrays.asList(clients.split(","))));
        } catch (IllegalArgumentException e) {
            throw new TestbedException("bad run record " + file + ": " + e.getMessage(), e);
        }
    }

    /** All records under {@code stateDir}, by prefix. Folders that are not runs are ignored. */
    public static Map<RunPrefix, RunRecord> readAll(Path stateDir) {
        Map<RunPrefix, RunRecord> all = new LinkedHashMap<>();
        if (!Files.isDirectory(stateDir)) {
            return all;
        }
        try (Stream<Path> dirs = Files.list(stateDir)) {
            dirs.filter(Files::isDirectory).sorted().forEach(d -> {
                try {
                    RunPrefix prefix = RunPrefix.of(d.getFileName().toString());
                    read(stateDir, prefix).ifPresent(r -> all.put(prefix, r));
                } catch (IllegalArgumentException e) {
                    // Not a run's folder.
                }
            });
        } catch (IOException e) {
            throw new TestbedException("cannot list " + stateDir + ": " + e.getMessage(), e);
        }
        return all;
    }

    /** Deletes the run's folder (record and logs). */
    public static void delete(Path stateDir, RunPrefix prefix) {
        Path dir = runDir(stateDir, prefix);
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new TestbedException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String required(Properties p, String key, Path file) {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IllegalArgumentException(key + ": missing in " + file);
        }
        return v;
    }
}
