package io.shoal.ingress.netns;

import static io.shoal.ingress.netns.Netns.run;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Namespaces on one bridge ({@code br0}) in a fabric namespace, the processes started in them and a
 * scratch directory, all named after a random prefix; {@link #close} kills the processes and
 * removes the namespaces and the directory, whatever the test did.
 */
final class FabricLab implements AutoCloseable {
    private final String prefix;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final Path dir;

    /** @param tag two letters naming the test in namespace and link names (at most 9 characters) */
    FabricLab(String tag) throws IOException {
        this.prefix =
                tag + Integer.toHexString(0x1000 + ThreadLocalRandom.current().nextInt(0xEFFF));
        this.dir = Files.createTempDirectory(prefix);
        try {
            String fabric = namespace("f");
            run("ip", "-n", fabric, "link", "add", "br0", "type", "bridge");
            run("ip", "-n", fabric, "link", "set", "br0", "up");
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The scratch directory, removed by {@link #close}. */
    Path dir() {
        return dir;
    }

    /** A new namespace with its loopback up. */
    String namespace(String suffix) {
        String ns = prefix + suffix;
        run("ip", "netns", "add", ns);
        namespaces.add(ns);
        run("ip", "-n", ns, "link", "set", "lo", "up");
        return ns;
    }

    /** A namespace on the fabric bridge with {@code address}/24 on its eth0. */
    String host(String suffix, String address) {
        String ns = namespace(suffix);
        String fabric = prefix + "f";
        String port = prefix + suffix;
        run("ip", "-n", fabric, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns);
        run("ip", "-n", fabric, "link", "set", port, "master", "br0", "up");
        run("ip", "-n", ns, "addr", "add", address + "/24", "dev", "eth0");
        run("ip", "-n", ns, "link", "set", "eth0", "up");
        return ns;
    }

    /** Starts {@code cmd} (stderr into stdout); {@link #close} kills it. */
    Process start(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        processes.add(p);
        return p;
    }

    /** The lines {@code p} prints, as they come. */
    static BlockingQueue<String> lines(Process p) {
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread t = new Thread(
                () -> {
                    try (BufferedReader r =
                            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = r.readLine()) != null) {
                            q.add(line);
                        }
                    } catch (IOException e) {
                        // the process ended
                    }
                },
                "lab-stdout");
        t.setDaemon(true);
        t.start();
        return q;
    }

    /** Writes one line to {@code p}'s stdin. */
    static void command(Process p, String line) throws IOException {
        OutputStream o = p.getOutputStream();
        o.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        o.flush();
    }

    /** Everything the process printed before the line {@code marker} (30 s at most). */
    static String until(BlockingQueue<String> out, String marker) throws InterruptedException {
        StringBuilder seen = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            String line = out.poll(1, TimeUnit.SECONDS);
            if (line == null) {
                continue;
            }
            if (line.equals(marker)) {
                return seen.toString();
            }
            seen.append(line).append('\n');
        }
        throw new AssertionError("the process did not print " + marker + "; it printed:\n" + seen);
    }

    @Override
    public void close() throws IOException {
        processes.forEach(Process::destroyForcibly);
        for (String ns : namespaces) {
            Netns.killAll(ns);
        }
        for (String ns : namespaces) {
            Netns.tryRun("ip", "netns", "del", ns);
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
