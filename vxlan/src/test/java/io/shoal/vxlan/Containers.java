package io.shoal.vxlan;

import io.shoal.netlink.ns.NetNs;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test scaffolding: "containers" as bare named network namespaces (named with the run's prefix),
 * with socat echo servers and clients run inside them through {@code nsenter}. Everything is
 * removed by {@link #close()}.
 */
final class Containers implements AutoCloseable {
    private final String prefix;
    private final List<String> made = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    Containers(String prefix) {
        this.prefix = prefix;
    }

    /** Makes the namespace {@code <prefix>c<name>}; returns its name. */
    String create(String name) {
        String ns = prefix + "c" + name;
        made.add(ns);
        NetNs.create(ns).close();
        return ns;
    }

    static ContainerNamespace ref(String namespace) {
        return ContainerNamespace.path(NetNs.RUN_NETNS.resolve(namespace));
    }

    /** Starts {@code socat} echoing every TCP connection on {@code port} inside {@code namespace}. */
    void startEcho(String namespace, int port) throws IOException {
        processes.add(new ProcessBuilder(
                        "nsenter",
                        "--net=" + NetNs.RUN_NETNS.resolve(namespace),
                        "socat",
                        "TCP-LISTEN:" + port + ",reuseaddr,fork",
                        "PIPE")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start());
    }

    /** Starts {@code socat} sending every UDP datagram on {@code port} back to its sender. */
    void startUdpEcho(String namespace, int port) throws IOException {
        processes.add(new ProcessBuilder(
                        "nsenter",
                        "--net=" + NetNs.RUN_NETNS.resolve(namespace),
                        "socat",
                        "UDP-RECVFROM:" + port + ",fork",
                        "PIPE")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start());
    }

    /** Sends {@code payload} as one UDP datagram from {@code namespace} and returns the answer ("" for none). */
    static String udpExchange(String namespace, String ip, int port, String payload)
            throws IOException, InterruptedException {
        return run(namespace, payload, 5, "socat", "-t", "1", "-", "UDP:" + ip + ":" + port);
    }

    /**
     * Connects from {@code namespace} to {@code ip:port}, sends {@code payload}, half-closes and
     * returns what came back ("" when the connection failed).
     */
    static String exchange(String namespace, String ip, int port, String payload, Duration connectTimeout)
            throws IOException, InterruptedException {
        return run(
                namespace,
                payload,
                connectTimeout.toSeconds() + 10,
                "socat",
                "-t",
                "2",
                "-T",
                "3",
                "-",
                "TCP:" + ip + ":" + port + ",connect-timeout=" + connectTimeout.toMillis() / 1000.0);
    }

    private static String run(String namespace, String payload, long timeoutSeconds, String... command)
            throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of("nsenter", "--net=" + NetNs.RUN_NETNS.resolve(namespace)));
        line.addAll(List.of(command));
        Process p = new ProcessBuilder(line)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        Thread writer = new Thread(() -> {
            try (OutputStream in = p.getOutputStream()) {
                in.write(payload.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // the connection failed: the answer is empty
            }
        });
        writer.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor();
        }
        writer.join(5_000);
        return p.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8) : "";
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (String ns : made) {
            NetNs.deleteIfPresent(ns);
        }
    }
}
