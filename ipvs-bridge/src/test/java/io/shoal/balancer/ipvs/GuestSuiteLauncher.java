package io.shoal.balancer.ipvs;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs test classes with the JUnit Platform inside a VM guest (the guest's own JRE, started by
 * {@link IpvsBalancerBehaviourOnVmTest}) and writes one line per outcome to a report file the host
 * reads back through the shared folder:
 *
 * <pre>
 *   test SUCCESSFUL roundRobinReachesEveryBackendEvenly 4210
 *   test FAILED udpVipReachesEveryBackend 5012 expected ...
 *   skipped IpvsBalancerBehaviourTest IPVS backend behaviour suite NOT RUN: ...
 *   summary found=12 succeeded=12 failed=0 skipped=0 aborted=0 millis=61234
 * </pre>
 *
 * Failures are also printed with their stack traces on standard output. Exit status 0 only when
 * at least one test ran and every test that was found succeeded.
 */
public final class GuestSuiteLauncher {
    private GuestSuiteLauncher() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: GuestSuiteLauncher REPORT_FILE TEST_CLASS...");
        }
        Path report = Path.of(args[0]);
        LauncherDiscoveryRequestBuilder builder = LauncherDiscoveryRequestBuilder.request();
        for (int i = 1; i < args.length; i++) {
            builder.selectors(selectClass(args[i]));
        }
        LauncherDiscoveryRequest request = builder.build();

        List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        Map<String, Long> started = new ConcurrentHashMap<>();
        TestExecutionListener outcomes = new TestExecutionListener() {
            @Override
            public void executionStarted(TestIdentifier id) {
                started.put(id.getUniqueId(), System.nanoTime());
            }

            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                lines.add("skipped " + name(id) + " " + oneLine(reason));
                System.out.println("SKIPPED " + name(id) + ": " + reason);
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                long millis =
                        (System.nanoTime() - started.getOrDefault(id.getUniqueId(), System.nanoTime())) / 1_000_000;
                String cause = result.getThrowable()
                        .map(t -> " " + oneLine(t.toString()))
                        .orElse("");
                if (id.isTest()) {
                    lines.add("test " + result.getStatus() + " " + name(id) + " " + millis + cause);
                } else if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                    // A failing @BeforeAll fails the container, not its tests: report it too.
                    lines.add("container " + result.getStatus() + " " + name(id) + " " + millis + cause);
                }
                System.out.println(result.getStatus() + " " + name(id) + " (" + millis + " ms)" + cause);
            }
        };
        SummaryGeneratingListener summaryListener = new SummaryGeneratingListener();
        long start = System.nanoTime();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, summaryListener, outcomes);
        TestExecutionSummary summary = summaryListener.getSummary();
        summary.printFailuresTo(new PrintWriter(System.out, true, StandardCharsets.UTF_8), 40);

        List<String> all = new ArrayList<>(lines);
        all.add(String.format(
                "summary found=%d succeeded=%d failed=%d skipped=%d aborted=%d containersFailed=%d millis=%d",
                summary.getTestsFoundCount(),
                summary.getTestsSucceededCount(),
                summary.getTestsFailedCount(),
                summary.getTestsSkippedCount(),
                summary.getTestsAbortedCount(),
                summary.getContainersFailedCount(),
                (System.nanoTime() - start) / 1_000_000));
        Files.write(report, all, StandardCharsets.UTF_8);
        all.forEach(System.out::println);
        boolean allPassed = summary.getTestsFoundCount() > 0
                && summary.getTestsSucceededCount() == summary.getTestsFoundCount()
                && summary.getTotalFailureCount() == 0;
        System.exit(allPassed ? 0 : 1);
    }

    /** The method name for a test, the display name for anything else. */
    private static String name(TestIdentifier id) {
        return id.getSource()
                .filter(MethodSource.class::isInstance)
                .map(s -> ((MethodSource) s).getMethodName())
                .orElse(id.getDisplayName().replace(' ', '_'));
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ");
    }
}
