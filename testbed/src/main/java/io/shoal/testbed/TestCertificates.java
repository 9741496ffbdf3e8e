package io.shoal.testbed;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for TLS tests, made by the {@code openssl} binary in a directory of the test's:
 * certificate authorities and certificates they sign, each as {@code <name>.pem} with its key in
 * {@code <name>-key.pem} (RSA 2048, valid two days).
 */
public final class TestCertificates {
    private static final long OPENSSL_SECONDS = 60;

    private final Path dir;

    /** Certificates in {@code dir} (created when missing). */
    public TestCertificates(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    /** The file {@code name} of this directory, e.g. {@code ca.pem}. */
    public Path file(String name) {
        return dir.resolve(name);
    }

    /** A self-signed certificate authority {@code name}. */
    public void authority(String name) {
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

    /**
     * A certificate {@code name} signed by the authority {@code ca}.
     *
     * @param usage its extended key usage, {@code serverAuth} or {@code clientAuth}
     * @param subjectAltName e.g. {@code subjectAltName=IP:127.0.0.1}, or null for none
     */
    public void certificate(String ca, String name, String usage, String subjectAltName) {
        openssl("genrsa", "-out", name + "-key.pem", "2048");
        openssl("req", "-new", "-key", name + "-key.pem", "-subj", "/CN=" + name, "-out", name + ".csr");
        String ext = "extendedKeyUsage=" + usage + "\n" + (subjectAltName == null ? "" : subjectAltName + "\n");
        try {
            Files.writeString(dir.resolve(name + ".ext"), ext);
        } catch (IOException e) {
            throw new TestbedException("writing " + name + ".ext in " + dir + ": " + e.getMessage(), e);
        }
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

    /** Runs {@code openssl args…} in the directory; a failure names the command and its output. */
    public void openssl(String... args) {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(OPENSSL_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new TestbedException(String.join(" ", cmd) + ": not done within " + OPENSSL_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw new TestbedException(String.join(" ", cmd) + ": exit " + p.exitValue() + "\n" + out);
            }
        } catch (IOException e) {
            throw new TestbedException(String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TestbedException(String.join(" ", cmd) + ": interrupted", e);
        }
    }
}
