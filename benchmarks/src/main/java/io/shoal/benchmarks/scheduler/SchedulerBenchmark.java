package io.shoal.benchmarks.scheduler;

import io.shoal.controlplane.scheduler.Decision;
import io.shoal.controlplane.scheduler.NodeInfo;
import io.shoal.controlplane.scheduler.Scheduler;
import io.shoal.controlplane.scheduler.Strategy;
import io.shoal.controlplane.scheduler.TaskRequest;
import io.shoal.model.Meta;
import io.shoal.model.Node;
import io.shoal.model.NodeAvailability;
import io.shoal.model.NodeDescription;
import io.shoal.model.NodeRole;
import io.shoal.model.NodeSpec;
import io.shoal.model.NodeState;
import io.shoal.model.NodeStatus;
import io.shoal.model.Placement;
import io.shoal.model.ResourceRequirements;
import io.shoal.model.Resources;
import io.shoal.model.TaskSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scheduling decisions per second: the controlplane's {@link Scheduler} (every standard filter —
 * ready, active, constraints, resources, host ports, max replicas — then the strategy) placing a
 * service's {@value #TASKS} new tasks one after another on {@code nodes} nodes, as one orchestrator
 * pass does for a {@code service create}. Each decision sees the earlier ones (the chosen node
 * accounts for the task). The nodes start with {@value #EXISTING} tasks of other services each;
 * the new tasks reserve 0.1 CPU and 64 MiB and carry the constraint {@code node.role==worker}. A
 * score is per decision ({@code @OperationsPerInvocation}); fresh node state per invocation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SchedulerBenchmark {
    static final int TASKS = 1000;
    static final int EXISTING = 5;

    @Param({"100", "1000"})
    int nodes;

    @Param({"spread", "binpack"})
    String strategy;

    private Scheduler scheduler;
    private List<Node> nodeRecords;
    private List<TaskRequest> requests;
    private List<NodeInfo> infos;

    @Setup(Level.Trial)
    public void setUp() {
        scheduler = Scheduler.withStrategy(strategy.equals("spread") ? Strategy.SPREAD : Strategy.BINPACK);
        nodeRecords = new ArrayList<>(nodes);
        Instant now = Instant.parse("2026-12-06T00:00:00Z");
        for (int i = 0; i < nodes; i++) {
            String id = String.format("n%04d", i);
            nodeRecords.add(new Node(
                    Meta.created(id, now),
                    new NodeSpec("", NodeRole.WORKER, NodeAvailability.ACTIVE, Map.of("zone", "z" + (i % 3))),
                    new NodeDescription(
                            "host-" + id, List.of("198.18." + (i / 250) + "." + (i % 250 + 1)), Resources.of(8, 16384)),
                    NodeStatus.of(NodeState.READY, "", now)));
        }
        TaskSpec spec = TaskSpec.of("img:1")
                .withPlacement(Placement.constraints("node.role==worker"))
                .withResources(new ResourceRequirements(Resources.of(0.1, 64), Resources.NONE));
        requests = new ArrayList<>(TASKS);
        for (int i = 1; i <= TASKS; i++) {
            requests.add(new TaskRequest("web." + i + ".0", "web", spec, List.of()));
        }
    }

    @Setup(Level.Invocation)
    public void freshNodes() {
        infos = new ArrayList<>(nodes);
        TaskSpec other = TaskSpec.of("other:1");
        for (Node n : nodeRecords) {
            NodeInfo info = new NodeInfo(n);
            for (int k = 0; k < EXISTING; k++) {
                info.add(new TaskRequest("other" + k + "." + n.id(), "other" + k, other, List.of()));
            }
            infos.add(info);
        }
    }

    @Benchmark
    @OperationsPerInvocation(TASKS)
    public List<Decision> schedule() {
        List<Decision> out = scheduler.schedule(requests, infos);
        if (!out.get(TASKS - 1).placed()) {
            throw new IllegalStateException("not placed: " + out.get(TASKS - 1).reason());
        }
        return out;
    }
}
