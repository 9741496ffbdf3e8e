package io.shoal.ingress.netns;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A process in a namespace driven by lines on its stdin, answering lines on stdout (the mesh node,
 * the Python client). Waiting for an answer is bounded; a timeout names what was expected and shows
 * everything the process printed meanwhile.
 */
final class Driven implements AutoCloseable {
    private final String name;
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    Driven(String name, List<String> commandLine) throws IOException {
        this.name = name;
        this.process = new ProcessBuilder(commandLine).redirectErrorStream(true).start();
        Thread t = new Thread(this::pump, name + "-stdout");
        t.setDaemon(true);
        t.start();
    }

    private void pump() {
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    long pid() {
        return process.pid();
    }

    void send(String line) throws IOException {
        OutputStream o = process.getOutputStream();
        o.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        o.flush();
    }

    /** The lines printed before the first one starting with {@code marker}, then that line last. */
    List<String> until(String marker, long seconds) throws InterruptedException {
        List<String> seen = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(200, TimeUnit.MILLISECONDS);
            if (line == null) {
                if (!process.isAlive() && lines.isEmpty()) {
                    break;
                }
                continue;
            }
            seen.add(line);
            if (line.startsWith(marker)) {
                return seen;
            }
        }
        throw new AssertionError(name + " did not print " + marker + " within " + seconds + " s (alive: "
                + process.isAlive() + "); it printed:\n" + String.join("\n", seen));
    }

    /** The line starting with {@code marker}. */
    String line(String marker, long seconds) throws InterruptedException {
        List<String> seen = until(marker, seconds);
        return seen.get(seen.size() - 1);
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
