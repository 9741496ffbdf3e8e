package io.shoal.controlplane.api.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.controlplane.api.ApiServer;
import io.shoal.testbed.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a Swarm user types and Shoal does differently or not at all, through the real client: the
 * swarm membership commands answer with Docker's words and say how Shoal does it; secrets,
 * configs, plugins, volumes, containers and images are refused saying Shoal does not support them.
 * Nothing succeeds silently.
 */
@Tag("integration")
class DockerRefusalsTest {
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

    private static String fails(String... args) throws Exception {
        DockerCli.Result r = fixture.docker.run(args);
        assertThat(r.exit()).as("docker %s\n%s", String.join(" ", args), r).isNotZero();
        assertThat(r.out())
                .as("docker %s prints nothing on stdout", String.join(" ", args))
                .isBlank();
        return r.err();
    }

    @Test
    void swarmInitOnARunningManagerGivesDockersError() throws Exception {
        assertThat(fails("swarm", "init"))
                .contains("Error response from daemon: This node is already part of a swarm. Use \"docker swarm"
                        + " leave\" to leave this swarm and join another one.")
                .contains("shoal-manager --zookeeper");
    }

    @Test
    void swarmJoinAndLeaveSayHowShoalDoesIt() throws Exception {
        assertThat(fails("swarm", "join", "--token", "SWMTKN-1-abc", "127.0.0.1:2377"))
                .contains("This node is already part of a swarm.")
                .contains("shoald --node-id <id> --zookeeper <manager>:2181 --join-token <token>");
        assertThat(fails("swarm", "leave"))
                .contains("participating as a manager")
                .contains("a manager leaves by stopping shoal-manager");
        assertThat(fails("swarm", "leave", "--force")).contains("--force changes nothing");
    }

    @Test
    void swarmJoinTokenSaysTheTokenIsNotShownAndRotationIsShoals() throws Exception {
        // The client prints tokens only when the node answering (/info's NodeID) is a manager.
        DockerCli.Result promoted = fixture.docker.run("node", "update", "--role", "manager", "mgr");
        assertThat(promoted.exit()).as("%s", promoted).isZero();
        org.awaitility.Awaitility.await().atMost(DockerFixture.WAIT).until(() -> fixture.docker
                .run("node", "inspect", "mgr", "--format", "{{.Spec.Role}}")
                .out()
                .trim()
                .equals("manager"));
        DockerCli.Result shown = fixture.docker.run("swarm", "join-token", "worker");
        // The client prints what GET /swarm holds: a pointer to Shoal's rotation, not an empty token.
        assertThat(shown.out() + shown.err())
                .contains("not shown: Shoal stores only digests; run 'shoal swarm join-token --rotate worker'");
        assertThat(fails("swarm", "join-token", "--rotate", "worker"))
                .contains("shoal swarm join-token --rotate worker|manager");
        assertThat(fails("swarm", "update", "--task-history-limit", "3")).contains("Shoal does not support");
    }

    @Test
    void secretsConfigsPluginsVolumesAreRefusedSayingSo() throws Exception {
        Path file = Files.writeString(dir.resolve("payload.txt"), "s3cret");
        assertThat(fails("secret", "ls")).contains("Error response from daemon: Shoal does not support secrets");
        assertThat(fails("secret", "create", "pw", file.toString())).contains("Shoal does not support secrets");
        assertThat(fails("config", "create", "cfg", file.toString()))
                .contains("Error response from daemon: Shoal does not support configs");
        assertThat(fails("config", "ls")).contains("Shoal does not support configs");
        assertThat(fails("plugin", "ls")).contains("Shoal does not support plugins");
        assertThat(fails("volume", "create", "data")).contains("Shoal does not support volumes");
        assertThat(fails("volume", "ls")).contains("Shoal does not support volumes");
        assertThat(fails("ps")).contains("Shoal does not support containers");
        assertThat(fails("image", "ls")).contains("Shoal does not support images");
        DockerCli.Result created =
                fixture.docker.run("service", "create", "-d", "--no-resolve-image", "--name", "quiet", "img:1");
        assertThat(created.exit()).as("%s", created).isZero();
        assertThat(fails("service", "logs", "quiet")).contains("Shoal does not support service logs");
        assertThat(fixture.docker.run("service", "rm", "quiet").exit()).isZero();
    }
}
