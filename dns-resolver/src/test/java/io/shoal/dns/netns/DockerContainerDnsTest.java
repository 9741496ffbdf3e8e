package io.shoal.dns.netns;

import static io.shoal.dns.testing.Fixtures.FRONT;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.server.DnsServer;
import io.shoal.dns.server.DnsServerConfig;
import io.shoal.dns.testing.Fixtures;
import io.shoal.testbed.Requirements;
import io.shoal.testbed.RunPrefix;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A real Docker container ({@code --network none}, {@code --dns 127.0.0.11}) asks Shoal, bound in
 * the container's own namespace through {@code /proc/<pid>/ns/net} with the port 53 redirect, with
 * busybox's {@code nslookup}: what a task started by the agent's Docker executor will see.
 */
@Tag("integration")
class DockerContainerDnsTest {
    private static final String IMAGE = "shoal/busybox:test";
    private static final String LABEL = "io.shoal.test";

    private final String run = RunPrefix.random().value();
    private DockerClient docker;
    private String containerId;
    private DnsServer server;
    private ContainerDnsBinding binding;

    @BeforeEach
    void connect() {
        Requirements.requireRoot();
        Requirements.requireDocker();
        Requirements.require(DnsRedirect.isAvailable(), "nft and nsenter (apt-get install nftables)");
        DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost("unix://" + Requirements.DOCKER_SOCKET)
                .build();
        docker = DockerClientImpl.getInstance(
                config,
                new ApacheDockerHttpClient.Builder()
                        .dockerHost(config.getDockerHost())
                        .connectionTimeout(Duration.ofSeconds(5))
                        .responseTimeout(Duration.ofSeconds(60))
                        .build());
        Requirements.require(
                !docker.listImagesCmd().withReferenceFilter(IMAGE).exec().isEmpty(),
                "the image " + IMAGE + " (built by testbed/provision.sh)");
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            if (binding != null) {
                binding.close();
            }
            if (server != null) {
                server.close();
            }
        } finally {
            if (docker != null) {
                try {
                    if (containerId != null) {
                        docker.removeContainerCmd(containerId).withForce(true).exec();
                    }
                } finally {
                    docker.close();
                }
            }
        }
    }

    @Test
    void containerWithoutNetworkResolvesServiceVipThroughShoalInItsNamespace() throws Exception {
        containerId = docker.createContainerCmd(IMAGE)
                .withName("shoal-dns-" + run)
                .withLabels(Map.of(LABEL, run))
                .withCmd("sleep", "300")
                .withHostConfig(
                        HostConfig.newHostConfig().withNetworkMode("none").withDns("127.0.0.11"))
                .exec()
                .getId();
        docker.startContainerCmd(containerId).exec();
        long pid = docker.inspectContainerCmd(containerId).exec().getState().getPidLong();
        Path netns = Path.of("/proc", Long.toString(pid), "ns", "net");

        server = DnsServer.start(DnsServerConfig.defaults());
        server.update(Fixtures.table());
        binding = ContainerDns.bind(server, netns, DnsScope.of(FRONT));

        assertThat(binding.binding().localAddress().getPort()).isNotEqualTo(53);
        assertThat(execIn("cat", "/etc/resolv.conf")).contains("nameserver 127.0.0.11");
        String vip = execIn("nslookup", "web", "127.0.0.11");
        assertThat(vip).contains("100.64.0.2");
        String tasks = execIn("nslookup", "tasks.web", "127.0.0.11");
        assertThat(tasks).contains("100.64.0.3").contains("100.64.0.5").doesNotContain("100.64.0.4");
        StringBuilder metrics = new StringBuilder();
        server.metrics().writePrometheus(metrics);
        assertThat(metrics).contains("shoal_dns_queries_total{type=\"A\"}");
        // Nothing was bound in the engine's (host's) namespace: the container's lo carried it all.
        assertThat(Files.readSymbolicLink(netns)).isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")));
    }

    private String execIn(String... command) throws InterruptedException {
        String execId = docker.execCreateCmd(containerId)
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
