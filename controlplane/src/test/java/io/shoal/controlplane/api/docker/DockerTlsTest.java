package io.shoal.controlplane.api.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.controlplane.api.ApiServer;
import io.shoal.controlplane.api.ApiTls;
import io.shoal.testbed.Requirements;
import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
    private static Path certs;
    private static String host;

    @BeforeAll
    static void start() throws Exception {
        Requirements.require(DockerCli.available(), "the docker client binary on the PATH");
        Requirements.require(Files.isExecutable(Path.of("/usr/bin/openssl")), "the openssl binary");
        certs = Files.createDirectories(dir.resolve("certs"));
        makeCa("ca");
        makeCert("ca", "server", "serverAuth", "subjectAltName=IP:127.0.0.1,DNS:localhost");
        makeCert("ca", "client", "clientAuth", null);
        makeCa("other-ca");
        makeCert("other-ca", "stranger", "clientAuth", null);
        ApiTls tls = new ApiTls(certs.resolve("ca.pem"), certs.resolve("server.pem"), certs.resolve("server-key.pem"));
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

    private static void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .directory(certs.toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue())
                .as("openssl %s\n%s", String.join(" ", args), out)
                .isZero();
    }

    private static void makeCa(String name) throws Exception {
        openssl("genrsa", "-out", name + "-key.pem", "2048");
        openssl(
                "req",
                "-new",
                "-x509",
                "-days",
                "2",
                "-key",
                name + "-key.pem",
                "-subj",
                "/CN=" + name,
                "-out",
                name + ".pem");
    }

    private static void makeCert(String ca, String name, String usage, String san) throws Exception {
        openssl("genrsa", "-out", name + "-key.pem", "2048");
        openssl("req", "-new", "-key", name + "-key.pem", "-subj", "/CN=" + name, "-out", name + ".csr");
        StringBuilder ext = new StringBuilder("extendedKeyUsage=" + usage + "\n");
        if (san != null) {
            ext.append(san).append('\n');
        }
        Files.writeString(certs.resolve(name + ".ext"), ext);
        openssl(
                "x509",
                "-req",
                "-days",
                "2",
                "-in",
                name + ".csr",
                "-CA",
                ca + ".pem",
                "-CAkey",
                ca + "-key.pem",
                "-CAcreateserial",
                "-extfile",
                name + ".ext",
                "-out",
                name + ".pem");
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
                certs.resolve("ca.pem").toString(),
                "--tlscert",
                certs.resolve("client.pem").toString(),
                "--tlskey",
                certs.resolve("client-key.pem").toString());
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
                        "--tlsverify", "--tlscacert", certs.resolve("ca.pem").toString())
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
                        certs.resolve("ca.pem").toString(),
                        "--tlscert",
                        certs.resolve("stranger.pem").toString(),
                        "--tlskey",
                        certs.resolve("stranger-key.pem").toString())
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
        Path missing = certs.resolve("nope.pem");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new ApiTls(certs.resolve("ca.pem"), missing, certs.resolve("server-key.pem")))
                .hasMessage("--tlscert: cannot read " + missing);
        // A certificate given as the key: the server refuses to start and names the files.
        ApiServer bad = new ApiServer(
                null,
                new ApiServer.Config(
                        null,
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        new ApiTls(certs.resolve("ca.pem"), certs.resolve("server.pem"), certs.resolve("ca.pem"))));
        org.assertj.core.api.Assertions.assertThatThrownBy(bad::start)
                .hasMessageContaining("tls: cannot use --tlscert " + certs.resolve("server.pem"));
        bad.close();
    }
}
