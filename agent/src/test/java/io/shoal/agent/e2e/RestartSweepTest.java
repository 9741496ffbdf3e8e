package io.shoal.agent.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import io.shoal.agent.exec.DockerExecutor;
import io.shoal.model.Cidr;
import io.shoal.model.NetworkSpec;
import io.shoal.model.Placement;
import io.shoal.model.ServiceSpec;
import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.route.Link;
import io.shoal.netlink.route.RouteNetlink;
import io.shoal.testbed.ExecResult;
import io.shoal.testbed.Namespaces;
import io.shoal.testbed.Requirements;
import io.shoal.vxlan.SandboxNames;
import java.net.Inet4Address;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The agent's sweep of what it made for tasks it no longer runs: at start, for tasks that went away
 * while it was down (their namespaces, veth links and the sandbox ends of those links), and in its
 * periodic pass, for names under its prefix that belong to no task. A two-host cluster (real
 * ZooKeeper, manager, {@code shoald} and Docker containers) whose tasks under test run on host 1;
 * namespaces under another prefix, and names of host 2's tasks even under host 1's prefix, are left
 * alone.
 */
@Tag("integration")
class RestartSweepTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static ShoalCluster cluster;

    @RegisterExtension
    static final LogsOnFailure logs = new LogsOnFailure(() -> cluster);

    /** Namespaces a test made itself, deleted after it even when it fails. */
    private final List<String> made = new ArrayList<>();

    @BeforeAll
    static void up() {
        Requirements.requireRoot();
        Requirements.requireDocker();
        Requirements.require(
                Arrays.stream(System.getenv()
                                .getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
                                .split(":"))
                        .anyMatch(d -> Files.isExecutable(Path.of(d, "dig"))),
                "dig (bind9-dnsutils) is installed");
        // A grace well past an agent restart on a loaded machine: the node must not be declared lost
        // (its tasks rescheduled) while its agent is down.
        cluster = ShoalCluster.builder().hosts(2).grace(Duration.ofSeconds(60)).start();
    }

    @AfterAll
    static void down() {
        ShoalCluster.closeAndCheck(cluster);
    }

    @AfterEach
    void removeWhatTheTestMade() throws Exception {
        for (String name : made) {
            Path path = NetNs.RUN_NETNS.resolve(name);
            if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(path);
            } else if (Namespaces.list().contains(name)) {
                Namespaces.killAllIn(Namespaces.inode(name));
                NetNs.deleteIfPresent(name);
            }
        }
        if (cluster != null && !cluster.agentAlive(1)) {
            cluster.startAgent(1);
        }
        if (cluster != null) {
            // A test that failed half-way leaves its services: the next test counts containers.
            for (var service : cluster.api().services()) {
                cluster.api().removeService(service.id());
            }
        }
    }

    @Test
    void aTaskGoneWhileTheAgentWasDownLosesItsNamespaceAndLinksAndTheOtherIsAdoptedUntouched() throws Exception {
        String netId = cluster.api().createNetwork(NetworkSpec.overlay("sweepnet"));
        // A network only the gone task uses: its sandbox has no reason to stay either.
        String goneNetId = cluster.api().createNetwork(NetworkSpec.overlay("gonenet"));
        cluster.api()
                .createService(
                        onNode(1, Services.on(Services.published(Services.httpd("stay", 1), 8080, 80), "sweepnet")));
        cluster.api()
                .createService(onNode(
                        1,
                        Services.on(Services.published(Services.httpd("gone", 1), 8081, 80), "sweepnet", "gonenet")));
        // Its container vanishes while the agent is down, but the service stays: it is replaced.
        cluster.api().createService(onNode(1, Services.on(Services.idle("lost", 1), "sweepnet")));
        cluster.api().createService(onNode(2, Services.idle("elsewhere", 1)));
        TaskView stay = cluster.waitForRunning("stay", 1).get(0);
        TaskView gone = cluster.waitForRunning("gone", 1).get(0);
        TaskView lost = cluster.waitForRunning("lost", 1).get(0);
        TaskView elsewhere = cluster.waitForRunning("elsewhere", 1).get(0);
        assertThat(List.of(stay.nodeId(), gone.nodeId(), elsewhere.nodeId()))
                .containsExactly(cluster.nodeId(1), cluster.nodeId(1), cluster.nodeId(2));
        String prefix = cluster.taskNamespacePrefix(1);
        String stayNs = prefix + stay.id();
        String goneNs = prefix + gone.id();
        String lostNs = prefix + lost.id();
        assertThat(Namespaces.list()).contains(stayNs, goneNs, lostNs);
        assertThat(veths(goneNs)).as("the gone task's interfaces").hasSize(3);
        // The sandbox ends of the gone task's veths: in sweepnet's, gonenet's and ingress's sandboxes.
        Map<String, String> goneSandboxEnds = sandboxEnds(gone);
        assertThat(goneSandboxEnds).hasSize(3);
        String goneSandbox = sandboxNames().sandbox(goneNetId);
        goneSandboxEnds.forEach((sandbox, veth) ->
                assertThat(linkNames(sandbox)).as("sandbox %s", sandbox).contains(veth));
        long stayInode = Namespaces.inode(stayNs);
        Map<String, Integer> stayLinks = veths(stayNs);
        assertThat(stayLinks).hasSize(2);
        HttpResult before = cluster.curl(1, 8080);
        assertThat(before.status()).as("%s", before).isEqualTo(200);

        // Objects under other prefixes: host 2's agent's prefix with a task of host 1 that stays
        // (that agent leaves it alone too: the view says the task is host 1's; a name of a task the
        // cluster no longer knows, such as gone's once the orchestrator deleted its record, would
        // be host 2's to sweep), and a prefix that only starts like host 1's. And host 2's task
        // under host 1's prefix, as if they shared one.
        String otherAgent = cluster.taskNamespacePrefix(2) + stay.id();
        String lookalike = cluster.prefix().value() + "-t10-" + gone.id();
        String hostTwosTask = prefix + elsewhere.id();
        for (String name : List.of(otherAgent, lookalike, hostTwosTask)) {
            namespaceWithVeth(name);
        }

        cluster.killAgent(1);
        assertThat(cluster.agentAlive(1)).isFalse();
        // While the agent is down: the service goes from the cluster's state and its container
        // from the engine, so the restarted agent has no runtime of it to stop.
        cluster.api().removeService("gone");
        try (DockerClient docker = DockerExecutor.client(Requirements.DOCKER_SOCKET)) {
            docker.removeContainerCmd(gone.containerId()).withForce(true).exec();
            docker.removeContainerCmd(lost.containerId()).withForce(true).exec();
        }
        assertThat(Namespaces.list()).as("left behind by the dead agent").contains(goneNs, lostNs);

        cluster.startAgent(1);
        await().atMost(WAIT)
                .until(() -> !Namespaces.list().contains(goneNs)
                        && !Namespaces.list().contains(lostNs));
        await().atMost(WAIT).until(() -> !Namespaces.list().contains(goneSandbox));
        goneSandboxEnds.forEach((sandbox, veth) -> {
            if (!sandbox.equals(goneSandbox)) {
                assertThat(linkNames(sandbox)).as("sandbox %s", sandbox).doesNotContain(veth);
            }
        });
        String log = cluster.log("shoald-h1");
        assertThat(log).contains("swept task " + gone.id(), "swept task " + lost.id(), "swept sandbox " + goneSandbox);
        // The lost task's replacement runs here with a namespace of its own.
        TaskView replacement = await().atMost(WAIT)
                .until(
                        () -> cluster.api().tasks("lost").stream()
                                .filter(t -> !t.id().equals(lost.id()) && t.running())
                                .findFirst(),
                        Optional::isPresent)
                .orElseThrow();
        assertThat(replacement.nodeId()).isEqualTo(cluster.nodeId(1));
        assertThat(Namespaces.list()).contains(prefix + replacement.id());

        // The remaining task: adopted in the same container, same namespace, same links, answering.
        cluster.waitForNodesReady();
        TaskView after = cluster.waitForRunning("stay", 1).get(0);
        assertThat(after.id()).isEqualTo(stay.id());
        assertThat(after.containerId()).isEqualTo(stay.containerId());
        assertThat(Namespaces.inode(stayNs)).isEqualTo(stayInode);
        assertThat(veths(stayNs)).isEqualTo(stayLinks);
        assertThat(log).doesNotContain("swept task " + stay.id());
        await().atMost(WAIT).untilAsserted(() -> {
            HttpResult r = cluster.curl(1, 8080);
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.body()).isEqualTo(before.body());
        });
        ExecResult dig = cluster.inTask(stay.id(), "dig", "+short", "+time=2", "+tries=1", "@127.0.0.11", "stay", "A");
        assertThat(dig.exitCode()).as("%s", dig).isZero();
        assertThat(dig.stdout().trim())
                .as("the VIP of stay on sweepnet")
                .isEqualTo(Cidr.format(
                        cluster.api().service("stay").endpoint().vipOn(netId).address()));

        // Other prefixes and the other node's task: untouched, links included.
        for (String name : List.of(otherAgent, lookalike, hostTwosTask)) {
            assertThat(Namespaces.list()).contains(name);
            assertThat(veths(name)).as(name).hasSize(2);
        }
        assertThat(log)
                .contains("namespace " + hostTwosTask + " is task " + elsewhere.id() + " of node " + cluster.nodeId(2)
                        + ": not swept");
        cluster.api().removeService("stay");
        cluster.api().removeService("elsewhere");
        cluster.api().removeService("lost");
        await().atMost(WAIT).until(() -> cluster.containers().isEmpty());
        cluster.api().removeNetwork("sweepnet");
        cluster.api().removeNetwork("gonenet");
    }

    @Test
    void aNamespaceUnderAnAgentsPrefixThatIsNoTaskIsSweptByThatAgentWhileItRuns() {
        cluster.waitForNodesReady();
        String suffix =
                "ghost" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        String ghostOne = cluster.taskNamespacePrefix(1) + suffix;
        String ghostTwo = cluster.taskNamespacePrefix(2) + suffix;
        String noAgents = cluster.prefix().value() + "-t9-" + suffix;
        for (String name : List.of(ghostOne, ghostTwo, noAgents)) {
            namespaceWithVeth(name);
        }

        // Unknown to the cluster: each agent sweeps the one under its prefix once two of its passes
        // (2 s apart) have seen it; nobody touches the third.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !Namespaces.list().contains(ghostOne)
                        && !Namespaces.list().contains(ghostTwo));
        assertThat(cluster.log("shoald-h1"))
                .contains("namespace " + ghostOne + " removed")
                .doesNotContain(ghostTwo);
        assertThat(cluster.log("shoald-h2"))
                .contains("namespace " + ghostTwo + " removed")
                .doesNotContain(ghostOne);
        assertThat(Namespaces.list()).contains(noAgents);
        assertThat(veths(noAgents)).hasSize(2);
    }

    @Test
    void aTaskWhoseContainerVanishedBehindTheRunningAgentIsUnwiredByTheNextPass() throws Exception {
        cluster.waitForNodesReady();
        String netId = cluster.api().createNetwork(NetworkSpec.overlay("vanishnet"));
        cluster.api().createService(onNode(1, Services.on(Services.idle("vanish", 1), "vanishnet")));
        TaskView task = cluster.waitForRunning("vanish", 1).get(0);
        String ns = cluster.taskNamespacePrefix(1) + task.id();
        String sandbox = sandboxNames().sandbox(netId);
        String veth = SandboxNames.sandboxVeth(
                (Inet4Address) task.task().addresses().get(netId).inetAddress());
        assertThat(linkNames(sandbox)).contains(veth);

        // The agent is paused while the container is removed: when it looks again the runtime is
        // simply gone (no exit to observe), so no stop and no detach follow; the sweep catches it.
        cluster.agentProcess(1).pause();
        try (DockerClient docker = DockerExecutor.client(Requirements.DOCKER_SOCKET)) {
            docker.removeContainerCmd(task.containerId()).withForce(true).exec();
        } finally {
            cluster.agentProcess(1).resume();
        }
        await().atMost(WAIT).until(() -> !Namespaces.list().contains(ns));
        // (logged once the removal is done)
        await().atMost(WAIT).until(() -> cluster.log("shoald-h1")
                .contains("swept task " + task.id() + ": it has no runtime here any more; its wiring and"
                        + " namespace " + ns));
        await().atMost(WAIT)
                .until(() -> !Namespaces.list().contains(sandbox)
                        || !linkNames(sandbox).contains(veth));

        cluster.api().removeService("vanish");
        await().atMost(WAIT).until(() -> cluster.containers(1).isEmpty());
        await().atMost(WAIT).ignoreExceptions().until(() -> {
            cluster.api().removeNetwork("vanishnet");
            return true;
        });
    }

    @Test
    void aNameThatCannotBeRemovedIsLoggedOnceDoesNotStopTheAgentAndIsRetried() throws Exception {
        cluster.waitForNodesReady();
        String suffix =
                "stuck" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        String stuck = cluster.taskNamespacePrefix(1) + suffix;
        Path path = NetNs.RUN_NETNS.resolve(stuck);
        made.add(stuck);
        // A directory: unlink fails (EISDIR), so the sweep cannot remove the name.
        Files.createDirectory(path);
        String failed = "sweeping task " + suffix + " (namespace " + stuck + ") failed; retried by every sweep";

        cluster.killAgent(1);
        cluster.startAgent(1);
        cluster.waitForNodesReady();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> cluster.log("shoald-h1").contains(failed));
        assertThat(cluster.agentAlive(1)).as("the agent runs on").isTrue();
        // Retried every pass (2 s) meanwhile, warned about once.
        await().during(Duration.ofSeconds(5))
                .atMost(Duration.ofSeconds(10))
                .until(() -> occurrences(cluster.log("shoald-h1"), failed) == 1);

        // The obstacle goes (a plain, stale name now): a later sweep removes it, having warned once.
        Files.delete(path);
        Files.createFile(path);
        await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(path, LinkOption.NOFOLLOW_LINKS));
        String log = cluster.log("shoald-h1");
        assertThat(log).contains("swept task " + suffix + " (no runtime on this node): namespace " + stuck);
        assertThat(occurrences(log, failed)).as("warnings").isEqualTo(1);
    }

    private static int occurrences(String text, String part) {
        return text.split(Pattern.quote(part), -1).length - 1;
    }

    /** {@code spec} with its tasks placed on host {@code i}'s node only. */
    private static ServiceSpec onNode(int i, ServiceSpec spec) {
        return spec.withTask(spec.task().withPlacement(Placement.constraints("node.id==" + cluster.nodeId(i))));
    }

    /** A namespace with a veth pair inside (two links), recorded for removal. */
    private void namespaceWithVeth(String name) {
        made.add(name);
        try (NetNs ns = NetNs.create(name);
                RouteNetlink rt = RouteNetlink.open(ns)) {
            rt.links().createVeth("eth0", "eth1");
        }
    }

    /** The veth links of a named namespace, by name → interface index. */
    private static Map<String, Integer> veths(String namespace) {
        try (NetNs ns = NetNs.open(namespace);
                RouteNetlink rt = RouteNetlink.open(ns)) {
            return rt.links().list().stream()
                    .filter(l -> l.kind().filter("veth"::equals).isPresent())
                    .collect(Collectors.toMap(Link::name, Link::index));
        }
    }

    private static Set<String> linkNames(String namespace) {
        try (NetNs ns = NetNs.open(namespace);
                RouteNetlink rt = RouteNetlink.open(ns)) {
            return rt.links().list().stream().map(Link::name).collect(Collectors.toSet());
        }
    }

    private static SandboxNames sandboxNames() {
        return new SandboxNames(cluster.prefix().value() + "-s1-");
    }

    /** Sandbox name → the sandbox end of the task's veth on that network. */
    private static Map<String, String> sandboxEnds(TaskView task) {
        SandboxNames names = sandboxNames();
        return task.task().addresses().entrySet().stream()
                .collect(Collectors.toMap(
                        e -> names.sandbox(e.getKey()),
                        e -> SandboxNames.sandboxVeth(
                                (Inet4Address) e.getValue().inetAddress())));
    }
}
