package io.shoal.testbed;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.opentest4j.TestAbortedException;

/**
 * Checks what an integration test needs (root, namespaces, a Docker engine) before it runs.
 *
 * <p>On a developer's laptop a missing requirement skips the test with a message naming what is
 * missing. In CI ({@code CI=true}) nothing this machine supports may skip, so a missing requirement
 * fails the test instead.
 */
public final class Requirements {
    /** The Docker engine's API socket. */
    public static final Path DOCKER_SOCKET = Path.of("/var/run/docker.sock");

    private Requirements() {}

    /** True when running in CI, where a skip would hide a failure. */
    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** True when this process runs as root (uid 0), read from {@code /proc/self/status}. */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (Exception e) {
            return false;
        }
        return false;
    }

    /** Requires root: creating namespaces, links and containers needs it. */
    public static void requireRoot() {
        require(isRoot(), "root (uid 0) to create network namespaces and links");
    }

    /**
     * True when a Docker engine answers {@code GET /_ping} with {@code OK} on {@link #DOCKER_SOCKET}
     * within about two seconds.
     */
    public static boolean dockerAnswers() {
        return dockerAnswers(DOCKER_SOCKET);
    }

    /** True when a Docker engine answers {@code GET /_ping} on {@code socket} within about two seconds. */
    public static boolean dockerAnswers(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(
                    ByteBuffer.wrap("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            // Non-blocking reads with a deadline: a wedged engine must not hang the test run.
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ);
            ByteBuffer answer = ByteBuffer.allocate(4096);
            long deadline = System.nanoTime() + 2_000_000_000L;
            // HTTP/1.0: the engine closes the connection after the answer.
            while (answer.hasRemaining()) {
                long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
                if (leftMillis <= 0) {
                    return false;
                }
                selector.select(leftMillis);
                selector.selectedKeys().clear();
                if (ch.read(answer) < 0) {
                    break;
                }
            }
            String text = new String(answer.array(), 0, answer.position(), StandardCharsets.US_ASCII);
            return text.startsWith("HTTP/1.") && text.contains(" 200 ") && text.endsWith("OK");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Requires a Docker engine on {@link #DOCKER_SOCKET} (started by {@code testbed/provision.sh}). */
    public static void requireDocker() {
        require(dockerAnswers(), "a Docker engine answering on " + DOCKER_SOCKET + " (run testbed/provision.sh)");
    }

    /**
     * Requires a condition; skips with {@code what} outside CI, fails inside CI.
     *
     * @param ok whether the requirement holds
     * @param what what the test needs, in words a user understands
     */
    public static void require(boolean ok, String what) {
        require(ok, what, inCi());
    }

    /** {@link #require(boolean, String)} with the CI decision made by the caller; for tests. */
    static void require(boolean ok, String what, boolean ci) {
        if (ok) {
            return;
        }
        String message = "this test needs " + what;
        if (ci) {
            throw new AssertionError(message + " (CI=true: a skip here would hide a failure)");
        }
        throw new TestAbortedException(message + "; skipped");
    }
}
