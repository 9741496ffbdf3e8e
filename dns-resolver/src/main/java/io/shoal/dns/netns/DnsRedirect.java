package io.shoal.dns.netns;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Port 53 → Shoal's port at 127.0.0.11 inside one namespace, as Docker does, so that a container
 * may still run a DNS server of its own on port 53. An nftables table {@value #TABLE} in the
 * namespace's {@code ip} family with a {@code nat output} chain DNATs locally sent UDP and TCP to
 * {@code 127.0.0.11:53} to {@code 127.0.0.11:<port>}; conntrack turns the replies' source port back
 * to 53. The whole table is replaced in one {@code nft -f} transaction, so installing again (a new
 * port) is atomic and idempotent.
 *
 * <p>Runs the {@code nft} tool through {@code nsenter --net=<path>}: the one place this module
 * starts a process, kept here on purpose (as the nftables balancer does).
 */
public final class DnsRedirect {
    /** The nftables table Shoal owns in each container namespace. */
    public static final String TABLE = "shoal_dns";

    private static final Path NFT = Path.of("/usr/sbin/nft");
    private static final Path NSENTER = Path.of("/usr/bin/nsenter");
    private static final long TIMEOUT_SECONDS = 10;

    private DnsRedirect() {}

    /** True when {@code nft} and {@code nsenter} are installed. */
    public static boolean isAvailable() {
        return unavailabilityCause() == null;
    }

    /** Why the redirect cannot be installed, or null when it can. */
    public static Throwable unavailabilityCause() {
        if (!Files.isExecutable(NFT)) {
            return new IllegalStateException(NFT + " not found (apt-get install nftables)");
        }
        if (!Files.isExecutable(NSENTER)) {
            return new IllegalStateException(NSENTER + " not found (util-linux)");
        }
        return null;
    }

    /**
     * Installs (or replaces) the redirect of {@code address:53} to {@code address:port} in the
     * namespace at {@code netns}.
     *
     * @throws IllegalStateException with nft's message when the transaction fails
     */
    public static void install(Path netns, Inet4Address address, int port) {
        run(netns, ruleset(address, port));
    }

    /** Removes the table if present; an absent table or a vanished namespace is not an error. */
    public static void remove(Path netns) {
        if (netns == null || !Files.exists(netns)) {
            return;
        }
        run(netns, "table ip " + TABLE + "\ndelete table ip " + TABLE + "\n");
    }

    /** The nft script {@link #install} runs: declare, delete, re-create (one transaction). */
    static String ruleset(Inet4Address address, int port) {
        if (address == null) {
            throw new IllegalArgumentException("address must not be null");
        }
        if (port < 1 || port > 65535 || port == 53) {
            throw new IllegalArgumentException("port must be within 1..65535 and not 53, got " + port);
        }
        String ip = address.getHostAddress();
        return "table ip " + TABLE + "\n"
                + "delete table ip " + TABLE + "\n"
                + "table ip " + TABLE + " {\n"
                + "  chain output {\n"
                + "    type nat hook output priority -100; policy accept;\n"
                + "    ip daddr " + ip + " udp dport 53 dnat to " + ip + ":" + port + "\n"
                + "    ip daddr " + ip + " tcp dport 53 dnat to " + ip + ":" + port + "\n"
                + "  }\n"
                // An empty nat postrouting chain: older kernels only un-NAT replies when one is registered.
                + "  chain postrouting {\n"
                + "    type nat hook postrouting priority 100; policy accept;\n"
                + "  }\n"
                + "}\n";
    }

    private static void run(Path netns, String script) {
        if (netns == null) {
            throw new IllegalArgumentException("netns path must not be null");
        }
        List<String> command = List.of(NSENTER.toString(), "--net=" + netns, NFT.toString(), "-f", "-");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(script.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // nsenter may exit before reading (e.g. the namespace is gone); its output says why.
            }
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("nft in " + netns + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.exitValue() != 0) {
                throw new IllegalStateException(
                        "nft in " + netns + " failed (exit " + p.exitValue() + "): " + out + "\nscript:\n" + script);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running nft in " + netns, e);
        }
    }
}
