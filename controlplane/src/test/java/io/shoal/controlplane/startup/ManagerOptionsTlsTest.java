package io.shoal.controlplane.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manager's TLS options: all three or none, only with --listen, readable files. */
class ManagerOptionsTlsTest {
    @TempDir
    Path dir;

    @Test
    void theThreeFilesGoTogetherWithAListener() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
        Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
        Path key = Files.writeString(dir.resolve("key.pem"), "x");
        ManagerOptions o = ManagerOptions.parse(
                "--listen",
                "127.0.0.1:0",
                "--tlscacert",
                ca.toString(),
                "--tlscert",
                cert.toString(),
                "--tlskey",
                key.toString());
        assertThat(o.tls().caCert()).isEqualTo(ca);
        assertThat(o.tls().cert()).isEqualTo(cert);
        assertThat(o.tls().key()).isEqualTo(key);
        assertThat(ManagerOptions.parse("--listen", "127.0.0.1:0").tls()).isNull();

        assertThatThrownBy(() -> ManagerOptions.parse("--listen", "127.0.0.1:0", "--tlscert", cert.toString()))
                .hasMessage("--tlscacert, --tlscert and --tlskey go together (TLS on --listen always verifies client"
                        + " certificates)");
        assertThatThrownBy(() -> ManagerOptions.parse(
                        "--tlscacert", ca.toString(), "--tlscert", cert.toString(), "--tlskey", key.toString()))
                .hasMessage("--tlscert: TLS is for the TCP API; give --listen HOST:PORT too");
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> ManagerOptions.parse(
                        "--listen",
                        "127.0.0.1:0",
                        "--tlscacert",
                        missing.toString(),
                        "--tlscert",
                        cert.toString(),
                        "--tlskey",
                        key.toString()))
                .hasMessage("--tlscacert: cannot read " + missing);
    }
}
