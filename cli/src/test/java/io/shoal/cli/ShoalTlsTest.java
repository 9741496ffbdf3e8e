package io.shoal.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.controlplane.api.ApiTls;
import io.shoal.model.Json;
import io.shoal.testbed.Requirements;
import io.shoal.testbed.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code shoal --tlscacert --tlscert --tlskey --host tcp://…} against a manager whose loopback TCP
 * listener requires client certificates (certificates made with {@code openssl} in a temp dir):
 * the right certificate works, none / another CA's / a PKCS#1 key are refused with one line.
 */
class ShoalTlsTest {
    @TempDir
    static Path dir;

    private static TestCertificates certs;
    private static LiveManager manager;

    @BeforeAll
    static void start() throws Exception {
        Requirements.require(Files.isExecutable(Path.of("/usr/bin/openssl")), "the openssl binary");
        certs = new TestCertificates(dir.resolve("certs"));
        certs.authority("ca");
        certs.certificate("ca", "server", "serverAuth", "subjectAltName=IP:127.0.0.1");
        certs.certificate("ca", "client", "clientAuth", null);
        certs.authority("other");
        certs.certificate("other", "stranger", "clientAuth", null);
        certs.openssl("rsa", "-in", "client-key.pem", "-traditional", "-out", "client-rsa-key.pem");
        manager = new LiveManager(
                dir,
                new String[][] {{"m1", "mgr", "198.18.0.1"}},
                new ApiTls(certs.file("ca.pem"), certs.file("server.pem"), certs.file("server-key.pem")));
        await().atMost(Duration.ofSeconds(30)).until(manager::leads);
    }

    @AfterAll
    static void stop() throws Exception {
        if (manager != null) {
            manager.close();
        }
    }

    record Run(int exit, String out, String err) {}

    private static Run shoal(String... args) {
        List<String> all = new ArrayList<>(List.of("--host", manager.tcpHost()));
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = Shoal.run(all.toArray(String[]::new), o, e);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String[] tls(String cert, String key, String... rest) {
        List<String> a = new ArrayList<>(List.of(
                "--tlscacert",
                certs.file("ca.pem").toString(),
                "--tlscert",
                certs.file(cert).toString(),
                "--tlskey",
                certs.file(key).toString()));
        a.addAll(List.of(rest));
        return a.toArray(String[]::new);
    }

    @Test
    void aClientCertificateFromTheCaDrivesTheManager() throws Exception {
        Run created =
                shoal(tls("client.pem", "client-key.pem", "service", "create", "-d", "--name", "sealed", "img:1"));
        assertThat(created.exit()).as("%s", created).isZero();
        Run ls = shoal(tls("client.pem", "client-key.pem", "service", "ls", "--format", "json"));
        assertThat(ls.exit()).as("%s", ls).isZero();
        assertThat(Json.mapper().readTree(ls.out()).get(0).path("name").asText())
                .isEqualTo("sealed");
        assertThat(shoal(tls("client.pem", "client-key.pem", "service", "rm", "sealed"))
                        .exit())
                .isZero();
    }

    @Test
    void withoutTlsOrWithAnotherCasCertificateTheManagerRefuses() {
        Run plain = shoal("service", "ls");
        assertThat(plain.exit()).isEqualTo(1);
        assertThat(plain.err().lines().count()).isEqualTo(1);
        Run stranger = shoal(tls("stranger.pem", "stranger-key.pem", "service", "ls"));
        assertThat(stranger.exit()).isEqualTo(1);
        assertThat(stranger.err()).startsWith("Error: ").hasLineCount(1);
        assertThat(stranger.out()).isEmpty();
    }

    @Test
    void badTlsOptionsAreUsageErrors() {
        Run partial = shoal("--tlscacert", certs.file("ca.pem").toString(), "service", "ls");
        assertThat(partial.exit()).isEqualTo(2);
        assertThat(partial.err()).contains("--tlscacert, --tlscert and --tlskey go together");
        Run pkcs1 = shoal(tls("client.pem", "client-rsa-key.pem", "service", "ls"));
        assertThat(pkcs1.exit()).isEqualTo(2);
        assertThat(pkcs1.err()).contains("openssl pkcs8 -topk8 -nocrypt");
        Run missing = shoal(tls("client.pem", "nope.pem", "service", "ls"));
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("--tlskey: cannot read");
    }
}
