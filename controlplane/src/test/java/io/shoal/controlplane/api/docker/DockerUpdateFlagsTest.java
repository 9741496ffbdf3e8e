package io.shoal.controlplane.api.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.controlplane.api.ApiServer;
import io.shoal.model.Json;
import io.shoal.testbed.Requirements;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docker service update} flags through the real client: {@code --force} (every task
 * replaced, rolling), {@code --publish-add/rm}, {@code --env-add}, {@code --constraint-add},
 * {@code --update-*} and {@code --rollback}. Each test uses its own service.
 */
@Tag("integration")
class DockerUpdateFlagsTest {
    @TempDir
    static Path dir;

    private static DockerFixture fixture;
    private static DockerCli docker;

    @BeforeAll
    static void start() throws Exception {
        Requirements.require(DockerCli.available(), "the docker client binary on the PATH");
        fixture = new DockerFixture(dir, socket -> new ApiServer.Config(socket, null));
        docker = fixture.docker;
    }

    @AfterAll
    static void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    private static DockerCli.Result ok(String... args) throws Exception {
        DockerCli.Result r = docker.run(args);
        assertThat(r.exit()).as("docker %s\n%s", String.join(" ", args), r).isZero();
        return r;
    }

    private static JsonNode inspect(String service) throws Exception {
        return Json.mapper()
                .readTree(ok("service", "inspect", service, "--format", "{{json .}}")
                        .out());
    }

    /** Task ids, nodes and states of the tasks that should run. */
    private static List<String> running(String service) throws Exception {
        return docker.run(
                        "service",
                        "ps",
                        service,
                        "--no-trunc",
                        "--filter",
                        "desired-state=running",
                        "--format",
                        "{{.ID}} {{.Node}} {{.CurrentState}}")
                .lines();
    }

    private static Set<String> runningIds(String service) throws Exception {
        Set<String> ids = new TreeSet<>();
        for (String l : running(service)) {
            if (l.contains(" Running ")) {
                ids.add(l.substring(0, l.indexOf(' ')));
            }
        }
        return ids;
    }

    private static void create(String name, String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(
                List.of("service", "create", "-d", "--no-resolve-image", "--name", name, "--replicas", "3"));
        args.addAll(List.of(extra));
        args.add("img:1");
        ok(args.toArray(String[]::new));
        await().atMost(DockerFixture.WAIT).until(() -> runningIds(name).size() == 3);
    }

    @Test
    void forceReplacesEveryTaskRollingAndTheClientFollowsIt() throws Exception {
        create("forced", "--update-parallelism", "1");
        Set<String> before = runningIds("forced");
        assertThat(inspect("forced")
                        .path("Spec")
                        .path("TaskTemplate")
                        .path("ForceUpdate")
                        .asLong())
                .isZero();

        // Without -d the client follows the rolling replacement to the end.
        DockerCli.Result forced = ok("service", "update", "--force", "forced");
        assertThat(forced.out()).contains("overall progress: 3 out of 3 tasks").contains("verify: Service");
        JsonNode s = inspect("forced");
        assertThat(s.path("Spec").path("TaskTemplate").path("ForceUpdate").asLong())
                .isEqualTo(1);
        await().atMost(DockerFixture.WAIT).untilAsserted(() -> {
            Set<String> after = runningIds("forced");
            assertThat(after).hasSize(3).doesNotContainAnyElementsOf(before);
        });
        // Every slot's old task was shut down: 3 running + 3 shut down in the full history.
        assertThat(ok("service", "ps", "forced", "--format", "{{.Name}} {{.DesiredState}}")
                        .lines())
                .filteredOn(l -> l.endsWith(" Shutdown"))
                .hasSize(3);

        // A second --force replaces them all again (the counter goes on).
        Set<String> second = runningIds("forced");
        ok("service", "update", "-d", "--force", "forced");
        assertThat(inspect("forced")
                        .path("Spec")
                        .path("TaskTemplate")
                        .path("ForceUpdate")
                        .asLong())
                .isEqualTo(2);
        await().atMost(DockerFixture.WAIT)
                .untilAsserted(() -> assertThat(runningIds("forced")).hasSize(3).doesNotContainAnyElementsOf(second));
        ok("service", "rm", "forced");
    }

    @Test
    void publishAddAndRmChangeThePublishedPorts() throws Exception {
        create("ported", "-p", "8090:80");
        ok("service", "update", "-d", "--publish-add", "9090:90", "ported");
        assertThat(ok(
                                "service",
                                "inspect",
                                "ported",
                                "--format",
                                "{{range .Spec.EndpointSpec.Ports}}" + "{{.PublishedPort}}:{{.TargetPort}} {{end}}")
                        .out()
                        .trim())
                .isEqualTo("8090:80 9090:90");
        await().atMost(DockerFixture.WAIT).untilAsserted(() -> assertThat(
                        docker.run("service", "ls", "--filter", "name=ported", "--format", "{{.Ports}}")
                                .out()
                                .trim())
                .isEqualTo("*:8090->80/tcp, *:9090->90/tcp"));
        // As in Docker, --publish-rm names the target port of the port to unpublish.
        ok("service", "update", "-d", "--publish-rm", "80", "ported");
        await().atMost(DockerFixture.WAIT).untilAsserted(() -> assertThat(
                        docker.run("service", "ls", "--filter", "name=ported", "--format", "{{.Ports}}")
                                .out()
                                .trim())
                .isEqualTo("*:9090->90/tcp"));
        // The freed port can be published by another service.
        create("takes-8090", "-p", "8090:80");
        ok("service", "rm", "ported", "takes-8090");
    }

    @Test
    void envAddRollsTheTasksOntoTheNewEnvironment() throws Exception {
        create("envy", "--env", "A=1");
        Set<String> before = runningIds("envy");
        ok("service", "update", "-d", "--env-add", "B=2", "envy");
        // The docker client builds the new list from a Go map: its order is random.
        List<String> env = new ArrayList<>();
        inspect("envy")
                .path("Spec")
                .path("TaskTemplate")
                .path("ContainerSpec")
                .path("Env")
                .forEach(e -> env.add(e.asText()));
        assertThat(env).containsExactlyInAnyOrder("A=1", "B=2");
        await().atMost(DockerFixture.WAIT)
                .untilAsserted(() -> assertThat(runningIds("envy")).hasSize(3).doesNotContainAnyElementsOf(before));
        ok("service", "rm", "envy");
    }

    @Test
    void constraintAddMovesTasksOffTheExcludedNode() throws Exception {
        create("picky");
        ok("service", "update", "-d", "--constraint-add", "node.hostname!=host3", "picky");
        assertThat(inspect("picky")
                        .path("Spec")
                        .path("TaskTemplate")
                        .path("Placement")
                        .path("Constraints")
                        .toString())
                .isEqualTo("[\"node.hostname!=host3\"]");
        await().atMost(DockerFixture.WAIT).untilAsserted(() -> {
            List<String> r = running("picky");
            assertThat(r).hasSize(3).allMatch(l -> l.contains(" Running ") && !l.contains(" host3 "));
        });
        ok("service", "rm", "picky");
    }

    @Test
    void updateConfigFlagsAreStoredAndShown() throws Exception {
        create("tuned");
        ok(
                "service",
                "update",
                "-d",
                "--update-parallelism",
                "2",
                "--update-delay",
                "3s",
                "--update-order",
                "start-first",
                "--update-failure-action",
                "rollback",
                "--update-monitor",
                "4s",
                "--update-max-failure-ratio",
                "0.25",
                "tuned");
        JsonNode u = inspect("tuned").path("Spec").path("UpdateConfig");
        assertThat(u.path("Parallelism").asInt()).isEqualTo(2);
        assertThat(u.path("Delay").asLong()).isEqualTo(3_000_000_000L);
        assertThat(u.path("Order").asText()).isEqualTo("start-first");
        assertThat(u.path("FailureAction").asText()).isEqualTo("rollback");
        assertThat(u.path("Monitor").asLong()).isEqualTo(4_000_000_000L);
        assertThat(u.path("MaxFailureRatio").asDouble()).isEqualTo(0.25);
        assertThat(ok("service", "inspect", "--pretty", "tuned").out())
                .containsPattern("Parallelism:\\s+2")
                .containsPattern("On failure:\\s+rollback")
                .containsPattern("Update order:\\s+start-first");
        ok("service", "rm", "tuned");
    }

    @Test
    void updateRollbackFlagRestoresThePreviousSpec() throws Exception {
        create("undo");
        ok("service", "update", "-d", "--no-resolve-image", "--image", "img:2", "undo");
        await().atMost(DockerFixture.WAIT)
                .until(() -> docker
                                .run(
                                        "service",
                                        "ps",
                                        "undo",
                                        "--filter",
                                        "desired-state=running",
                                        "--format",
                                        "{{.Image}} {{.CurrentState}}")
                                .lines()
                                .stream()
                                .filter(l -> l.startsWith("img:2 Running"))
                                .count()
                        == 3);
        DockerCli.Result back = ok("service", "update", "--rollback", "undo");
        assertThat(back.out()).contains("rollback:");
        JsonNode s = inspect("undo");
        assertThat(s.path("Spec")
                        .path("TaskTemplate")
                        .path("ContainerSpec")
                        .path("Image")
                        .asText())
                .isEqualTo("img:1");
        assertThat(s.path("PreviousSpec")
                        .path("TaskTemplate")
                        .path("ContainerSpec")
                        .path("Image")
                        .asText())
                .isEqualTo("img:2");
        await().atMost(DockerFixture.WAIT)
                .until(() -> docker
                                .run(
                                        "service",
                                        "ps",
                                        "undo",
                                        "--filter",
                                        "desired-state=running",
                                        "--format",
                                        "{{.Image}} {{.CurrentState}}")
                                .lines()
                                .stream()
                                .filter(l -> l.startsWith("img:1 Running"))
                                .count()
                        == 3);
        ok("service", "rm", "undo");
    }
}
