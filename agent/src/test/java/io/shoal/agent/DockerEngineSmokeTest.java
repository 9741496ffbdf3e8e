package io.shoal.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import io.shoal.testbed.Requirements;
import io.shoal.testbed.RunPrefix;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Drives the real Docker engine through docker-java the way the agent's executor will: a container
 * with no network of its own, whose namespace the agent will later wire up through its PID.
 */
@Tag("integration")
class DockerEngineSmokeTest {
    private static final String IMAGE = "shoal/busybox:test";
    private static final String LABEL = "io.shoal.test";

    private final String run = RunPrefix.random().value();
    private final String name = "shoal-smoke-" + run;
    private DockerClient docker;
    private String containerId;

    @BeforeEach
    void connect() {
        Requirements.requireDocker();
        DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost("unix://" + Requirements.DOCKER_SOCKET)
                .build();
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .connectionTimeout(Duration.ofSeconds(5))
                .responseTimeout(Duration.ofSeconds(60))
                .build();
        docker = DockerClientImpl.getInstance(config, http);
    }

    @AfterEach
    void removeContainer() throws Exception {
        if (docker == null) {
            return;
        }
        try {
            if (containerId != null) {
                docker.removeContainerCmd(containerId).withForce(true).exec();
            }
        } finally {
            docker.close();
        }
    }

    @Test
    void containerWithoutNetworkRunsAndTakesCommandsThroughDockerJava() throws Exception {
        Requirements.require(
                !docker.listImagesCmd().withReferenceFilter(IMAGE).exec().isEmpty(),
                "the image " + IMAGE + " (built by testbed/provision.sh)");

        containerId = docker.createContainerCmd(IMAGE)
                .withName(name)
                .withHostName(run)
                .withLabels(Map.of(LABEL, run))
                .withCmd("sleep", "300")
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode("none"))
                .exec()
                .getId();
        docker.startContainerCmd(containerId).exec();

        InspectContainerResponse inspect =
                docker.inspectContainerCmd(containerId).exec();
        assertThat(inspect.getState().getRunning()).isTrue();
        assertThat(inspect.getHostConfig().getNetworkMode()).isEqualTo("none");
        long pid = inspect.getState().getPidLong();
        assertThat(pid).isPositive();
        Path netns = Path.of("/proc", Long.toString(pid), "ns", "net");
        assertThat(netns).exists();
        assertThat(Files.readSymbolicLink(netns))
                .as("the container has a network namespace of its own")
                .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")));
        List<Container> labelled =
                docker.listContainersCmd().withLabelFilter(Map.of(LABEL, run)).exec();
        assertThat(labelled).extracting(Container::getId).containsExactly(containerId);

        assertThat(execIn(containerId, "hostname")).isEqualTo(run + "\n");
        // --network none: only the loopback link exists until the agent moves a veth in.
        assertThat(execIn(containerId, "ip", "-o", "link").lines())
                .hasSize(1)
                .first()
                .asString()
                .contains("lo:");
    }

    private String execIn(String container, String... command) throws InterruptedException {
        String execId = docker.execCreateCmd(container)
                .withCmd(command)
                .withAttachStdout(true)
                .withAttachStderr(true)
                .exec()
                .getId();
        StringBuilder out = new StringBuilder();
        ResultCallback.Adapter<Frame> done = docker.execStartCmd(execId).exec(new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame frame) {
                out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
            }
        });
        assertThat(done.awaitCompletion(30, TimeUnit.SECONDS))
                .as("exec %s finished", String.join(" ", command))
                .isTrue();
        assertThat(docker.inspectExecCmd(execId).exec().getExitCodeLong())
                .as("exit code of %s (output: %s)", String.join(" ", command), out)
                .isZero();
        return out.toString();
    }
}
