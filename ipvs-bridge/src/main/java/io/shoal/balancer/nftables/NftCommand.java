package io.shoal.balancer.nftables;

import io.shoal.balancer.BalancerException;
import io.shoal.balancer.NetworkNamespace;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the {@code nft} tool, inside a named namespace through {@code nsenter --net=...}. The only
 * place that knows how Shoal enters a namespace to run nft; the netlink module's {@code NetNs}
 * will replace the {@code nsenter} hop.
 *
 * <p>Not final so that tests can put a fault between the balancer and the kernel.
 */
public class NftCommand {
    private static final long TIMEOUT_SECONDS = 120;

    private final NetworkNamespace namespace;

    public NftCommand(NetworkNamespace namespace) {
        this.namespace = namespace;
    }

    public NetworkNamespace namespace() {
        return namespace;
    }

    /**
     * Runs {@code script} as one {@code nft -f -} transaction: the kernel applies all of it or,
     * on any error, none of it.
     *
     * @param what a short description for the error message (e.g. {@code apply +1 -0 ~0})
     * @throws BalancerException naming the namespace, exit code and nft's error output
     */
    public void apply(String script, String what) {
        run(List.of("-f", "-"), script, what);
    }

    /** Checks {@code script} with the kernel ({@code nft -c}) without committing anything. */
    public void check(String script, String what) {
        run(List.of("-c", "-f", "-"), script, what);
    }

    /** Runs {@code nft <args>} (e.g. {@code list table inet shoal}) and returns its output. */
    public String query(String... args) {
        return run(List.of(args), "", String.join(" ", args));
    }

    /** Runs nft and returns its standard output; a non-zero exit becomes a BalancerException. */
    protected String run(List<String> args, String stdin, String what) {
        List<String> command = new ArrayList<>();
        if (!namespace.isCurrent()) {
            command.add("nsenter");
            command.add("--net=" + namespace.path());
            command.add("--");
        }
        command.add("nft");
        command.addAll(args);
        String operation = "nft " + String.join(" ", args) + " in namespace " + namespace + " (" + what + ")";
        Path in = null;
        Path out = null;
        Path err = null;
        try {
            // Files, not pipes: a listing can be large and must never block nft, and a script
            // must not fail with "broken pipe" when nsenter exits before reading it (its own
            // error message is what the caller needs).
            in = Files.createTempFile("shoal-nft", ".nft");
            out = Files.createTempFile("shoal-nft", ".out");
            err = Files.createTempFile("shoal-nft", ".err");
            Files.writeString(in, stdin, StandardCharsets.UTF_8);
            Process p = new ProcessBuilder(command)
                    .redirectInput(in.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new BalancerException(operation, -1, "no answer within " + TIMEOUT_SECONDS + " s");
            }
            String stdout = Files.readString(out);
            if (p.exitValue() != 0) {
                throw new BalancerException(operation, p.exitValue(), Files.readString(err));
            }
            return stdout;
        } catch (IOException e) {
            throw new BalancerException(operation, -1, "cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BalancerException(operation, -1, "interrupted", e);
        } finally {
            deleteQuietly(in);
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // A temp file left behind is harmless; the real error matters more.
            }
        }
    }
}
