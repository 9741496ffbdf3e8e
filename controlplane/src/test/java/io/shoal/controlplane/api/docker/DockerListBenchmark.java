package io.shoal.controlplane.api.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.controlplane.api.ApiServer;
import io.shoal.controlplane.api.Request;
import io.shoal.controlplane.api.Response;
import io.shoal.controlplane.store.Kind;
import io.shoal.model.Json;
import io.shoal.model.ServiceSpec;
import io.shoal.testbed.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #9's figures: {@code docker service ls} with 1,000 services and {@code docker service ps}
 * of a 1,000-task service, end to end through the real client (goal: each < 200 ms), plus the
 * server's share (the same requests served in-process) and the time to create 1,000 services
 * through the API. Prints medians of 9 runs after 3 warm-ups, with the load average; asserts only
 * that the answers are complete.
 *
 * <pre>
 * mvn -B -pl controlplane -am verify -Dshoal.test.excludedGroups= -Dtest=DockerListBenchmark \
 *     -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
@Tag("benchmark")
@Tag("integration")
class DockerListBenchmark {
    private static final int SERVICES = 1_000;
    private static final int TASKS = 1_000;
    private static final int RUNS = 9;

    @TempDir
    static Path dir;

    private static DockerFixture fixture;

    @BeforeAll
    static void start() throws Exception {
        Requirements.require(DockerCli.available(), "the docker client binary on the PATH");
        fixture = new DockerFixture(dir, socket -> new ApiServer.Config(socket, null));
    }

    @AfterAll
    static void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    private static String load() throws Exception {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }

    private interface Run {
        void run() throws Exception;
    }

    /** Median wall time in ms of {@link #RUNS} runs after 3 warm-ups; prints every run. */
    private static double median(String what, Run r) throws Exception {
        for (int i = 0; i < 3; i++) {
            r.run();
        }
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            long t0 = System.nanoTime();
            r.run();
            ms.add((System.nanoTime() - t0) / 1e6);
        }
        List<Double> sorted = new ArrayList<>(ms);
        Collections.sort(sorted);
        double med = sorted.get(RUNS / 2);
        System.out.printf(
                "BENCH %-48s median %7.1f ms  min %7.1f  max %7.1f  (load %s)%n",
                what, med, sorted.get(0), sorted.get(RUNS - 1), load());
        return med;
    }

    private static Response serve(String method, String path, Map<String, String> query, byte[] body) {
        return fixture.shoalApi.handle(new Request(method, path, query, body));
    }

    @Test
    void listingAThousandServicesAndPsOfAThousandTasks() throws Exception {
        System.out.printf(
                "BENCH start: %d cpus, load %s%n", Runtime.getRuntime().availableProcessors(), load());
        long t0 = System.nanoTime();
        for (int i = 0; i < SERVICES; i++) {
            byte[] spec =
                    Json.mapper().writeValueAsBytes(ServiceSpec.replicated(String.format("s%04d", i), "img:1", 1));
            Response r = serve("POST", "/services", Map.of(), spec);
            assertThat(r.status()).as(new String(r.body())).isEqualTo(201);
        }
        double createS = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
                "BENCH create %d services through the API: %.1f s (%.1f ms each; load %s)%n",
                SERVICES, createS, createS * 1000 / SERVICES, load());
        await().atMost(Duration.ofMinutes(5))
                .until(() -> fixture.manager.store().list(Kind.SERVICES).size() == SERVICES);
        await().atMost(Duration.ofMinutes(5))
                .until(() -> fixture.docker.run("service", "ls", "--format", "{{.Replicas}}").lines().stream()
                                .filter(l -> l.equals("1/1"))
                                .count()
                        == SERVICES);

        DockerCli docker = fixture.docker;
        median("server GET /v1.41/services?status=true (1,000)", () -> {
            Response r = serve("GET", "/v1.41/services", Map.of("status", "true"), null);
            assertThat(r.status()).isEqualTo(200);
        });
        median("docker service ls (1,000 services)", () -> {
            DockerCli.Result r = docker.run("service", "ls");
            assertThat(r.lines()).hasSize(SERVICES + 1);
        });

        byte[] big = Json.mapper().writeValueAsBytes(ServiceSpec.replicated("big", "img:1", TASKS));
        long t1 = System.nanoTime();
        assertThat(serve("POST", "/services", Map.of(), big).status()).isEqualTo(201);
        await().atMost(Duration.ofMinutes(5))
                .until(() -> docker.run("service", "ls", "--filter", "name=big", "--format", "{{.Replicas}}")
                        .out()
                        .trim()
                        .equals(TASKS + "/" + TASKS));
        System.out.printf(
                "BENCH big: %d tasks running %.1f s after the create (load %s)%n",
                TASKS, (System.nanoTime() - t1) / 1e9, load());
        String filters = "{\"service\":{\"big\":true},\"desired-state\":{\"running\":true}}";
        median("server GET /v1.41/tasks?filters=service=big (1,000)", () -> {
            Response r = serve("GET", "/v1.41/tasks", Map.of("filters", filters), null);
            assertThat(r.status()).isEqualTo(200);
        });
        median("docker service ps big (1,000 tasks)", () -> {
            DockerCli.Result r = docker.run("service", "ps", "big");
            assertThat(r.lines()).hasSize(TASKS + 1);
        });
        median("docker version (the client's own floor)", () -> {
            DockerCli.Result r = docker.run("version", "--format", "{{.Server.Version}}");
            assertThat(r.exit()).isZero();
        });
    }
}
