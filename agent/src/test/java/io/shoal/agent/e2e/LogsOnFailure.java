package io.shoal.agent.e2e;

import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Prints the cluster's process logs when a test fails, so a CI log shows what the manager and the
 * agents said. Register it with the field that holds the cluster:
 *
 * <pre>{@code @RegisterExtension static final LogsOnFailure logs = new LogsOnFailure(() -> cluster);}</pre>
 */
public final class LogsOnFailure implements TestWatcher {
    private final Supplier<ShoalCluster> cluster;

    /** Prints the logs of whatever cluster {@code cluster} gives at the time of the failure. */
    public LogsOnFailure(Supplier<ShoalCluster> cluster) {
        this.cluster = cluster;
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        ShoalCluster c = cluster.get();
        if (c != null) {
            System.err.println("==== " + context.getDisplayName() + " failed: " + cause);
            c.printLogs(System.err);
        }
    }
}
