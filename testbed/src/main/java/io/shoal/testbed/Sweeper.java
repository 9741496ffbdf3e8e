package io.shoal.testbed;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what earlier testbed runs left behind when their JVM died without closing them (a kill -9,
 * a crash, a killed CI job).
 *
 * <p>A run is swept only when its {@link RunRecord} exists and its owner process is gone. Namespaces
 * that look like the testbed's but have no record are left alone: they belong to someone else. For a
 * swept run every process inside its namespaces is killed, then the namespaces are deleted (which
 * deletes their links and the fabric bridge), then the record.
 */
public final class Sweeper {
    private static final Logger log = LoggerFactory.getLogger(Sweeper.class);

    private final Path stateDir;

    /** A sweeper for runs recorded under {@code stateDir}. */
    public Sweeper(Path stateDir) {
        this.stateDir = stateDir;
    }

    /** A sweeper for runs recorded under {@link RunRecord#DEFAULT_STATE_DIR}. */
    public static Sweeper standard() {
        return new Sweeper(RunRecord.DEFAULT_STATE_DIR);
    }

    /**
     * What to remove.
     *
     * @param runs the dead runs whose records go
     * @param namespaces their namespaces, members first and fabric namespaces last
     */
    public record Plan(List<RunPrefix> runs, List<String> namespaces) {
        /** True when there is nothing to sweep. */
        public boolean isEmpty() {
            return runs.isEmpty() && namespaces.isEmpty();
        }
    }

    /**
     * Chooses what to sweep; pure, so it is tested without a kernel.
     *
     * @param namespaces names of the namespaces that exist
     * @param records the runs recorded on this machine
     * @param ownerAlive whether a record's owner still runs
     */
    public static Plan select(
            Collection<String> namespaces, Map<RunPrefix, RunRecord> records, Predicate<RunRecord> ownerAlive) {
        List<RunPrefix> dead = new ArrayList<>();
        for (RunRecord r : records.values()) {
            if (!ownerAlive.test(r)) {
                dead.add(r.prefix());
            }
        }
        List<String> doomed = new ArrayList<>();
        for (String ns : namespaces) {
            RunPrefix.ownerOf(ns).filter(dead::contains).ifPresent(p -> doomed.add(ns));
        }
        // The fabric goes last: members' veths die with their own namespaces first.
        doomed.sort(Comparator.comparing((String ns) -> ns.endsWith("-fab")).thenComparing(ns -> ns));
        return new Plan(List.copyOf(dead), List.copyOf(doomed));
    }

    /** Sweeps dead runs now; returns what was removed. */
    public Plan sweep() {
        Plan plan = select(Namespaces.list(), RunRecord.readAll(stateDir), RunRecord::ownerAlive);
        for (String ns : plan.namespaces()) {
            long inode;
            try {
                inode = Namespaces.inode(ns);
            } catch (TestbedException e) {
                if (!java.nio.file.Files.exists(Namespaces.path(ns))) {
                    continue; // another sweeper removed it meanwhile
                }
                throw e;
            }
            Namespaces.killAllIn(inode);
            Wiring.deleteNamespace(ns);
        }
        for (RunPrefix run : plan.runs()) {
            RunRecord.delete(stateDir, run);
        }
        if (!plan.isEmpty()) {
            log.info(
                    "swept {} dead testbed run(s) {}: namespaces {}",
                    plan.runs().size(),
                    plan.runs(),
                    plan.namespaces());
        }
        return plan;
    }
}
