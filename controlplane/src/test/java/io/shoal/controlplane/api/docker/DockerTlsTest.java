package io.shoal.controlplane.api.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.controlplane.api.ApiServer;
import io.shoal.controlplane.api.ApiTls;
import io.shoal.testbed.Requirements;
import io.shoal.testbed.TestCertificates;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manager's TCP API with TLS, Docker's {@code --tlsverify} model: the stock client with a
 * certificate signed by the configured CA drives it; a client without a certificate, with one from
 * another CA, or speaking plain HTTP is refused. Certificates are made with the {@code openssl}
 * binary in a temporary directory; everything stays on loopback.
 */
@Tag("integration")
class DockerTlsTest {
    @TempDir
    static Path dir;

    private static DockerFixture fixture;
    private static TestCertificates certs;
    private static String host;

    @BeforeAll
    static void start() throws Exception {
        Requirements.require(DockerCli.available(), "the docker client binary on the PATH");
        Requirements.require(Files.isExecutable(Path.of("/usr/bin/openssl")), "the openssl binary");
        certs = new TestCertificates(dir.resolve("certs"));
        certs.authority("ca");
        certs.certificate("ca", "server", "serverAuth", "subjectAltName=IP:127.0.0.1,DNS:localhost");
        certs.certificate("ca", "client", "clientAuth", null);
        certs.authority("other-ca");
        certs.certificate("other-ca", "stranger", "clientAuth", null);
        ApiTls tls = new ApiTls(certs.file("ca.pem"), certs.file("server.pem"), certs.file("server-key.pem"));
        fixture = new DockerFixture(
                dir,
                socket ->
                        new ApiServer.Config(socket, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), tls));
        host = "tcp://127.0.0.1:" + fixture.api.tcpAddress().getPort();
    }

    @AfterAll
    static void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    private static DockerCli client(String... tlsArgs) {
        List<String> global = new ArrayList<>(List.of(tlsArgs));
        global.addAll(List.of("-H", host));
        return new DockerCli("docker", global, fixture.dockerConfig);
    }

    private static DockerCli verified() {
        return client(
                "--tlsverify",
                "--tlscacert",
                certs.file("ca.pem").toString(),
                "--tlscert",
                certs.file("client.pem").toString(),
                "--tlskey",
                certs.file("client-key.pem").toString());
    }

    @Test
    void clientWithACertificateFromTheCaDrivesTheManager() throws Exception {
        DockerCli.Result version = verified().run("version", "--format", "{{.Server.APIVersion}} {{.Server.Version}}");
        assertThat(version.exit()).as("%s", version).isZero();
        assertThat(version.out().trim()).isEqualTo("1.41 shoal-0.1.0");

        DockerCli.Result created = verified()
                .run("service", "create", "-d", "--no-resolve-image", "--name", "tls-web", "--replicas", "2", "img:1");
        assertThat(created.exit()).as("%s", created).isZero();
        await().atMost(DockerFixture.WAIT).until(() -> verified()
                .run("service", "ls", "--filter", "name=tls-web", "--format", "{{.Replicas}}")
                .out()
                .trim()
                .equals("2/2"));
        assertThat(verified().run("node", "ls", "-q").lines()).hasSize(3);
        assertThat(verified().run("service", "rm", "tls-web").exit()).isZero();
    }

    @Test
    void clientWithoutACertificateIsRefused() throws Exception {
        DockerCli.Result noCert = client(
                        "--tlsverify", "--tlscacert", certs.file("ca.pem").toString())
                .run("version");
        assertThat(noCert.exit()).as("%s", noCert).isNotZero();
        assertThat(noCert.out()).doesNotContain("shoal-0.1.0");
        assertThat(noCert.err()).containsAnyOf("certificate", "tls", "remote error", "connection reset", "EOF");
    }

    @Test
    void clientWithACertificateFromAnotherCaIsRefused() throws Exception {
        DockerCli.Result stranger = client(
                        "--tlsverify",
                        "--tlscacert",
                        certs.file("ca.pem").toString(),
                        "--tlscert",
                        certs.file("stranger.pem").toString(),
                        "--tlskey",
                        certs.file("stranger-key.pem").toString())
                .run("service", "ls");
        assertThat(stranger.exit()).as("%s", stranger).isNotZero();
        assertThat(stranger.out()).isEmpty();
    }

    @Test
    void plainHttpIsRefused() throws Exception {
        DockerCli.Result plain = client().run("version", "--format", "{{.Server.Version}}");
        assertThat(plain.exit()).as("%s", plain).isNotZero();
        assertThat(plain.out()).doesNotContain("shoal-0.1.0");
    }

    @Test
    void missingOrUnusableFilesAreNamed() throws Exception {
        Path missing = certs.file("nope.pem");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new ApiTls(certs.file("ca.pem"), missing, certs.file("server-key.pem")))
                .hasMessage("--tlscert: cannot read " + missing);
        // A certificate given as the key: the server refuses to start and names the files.
        ApiServer bad = new ApiServer(
                null,
                new ApiServer.Config(
                        null,
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        new ApiTls(certs.file("ca.pem"), certs.file("server.pem"), certs.file("ca.pem"))));
        org.assertj.core.api.Assertions.assertThatThrownBy(bad::start)
                .hasMessageContaining("tls: cannot use --tlscert " + certs.file("server.pem"));
        bad.close();
    }
}
