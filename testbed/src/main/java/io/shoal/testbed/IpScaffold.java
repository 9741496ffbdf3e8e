package io.shoal.testbed;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The testbed's only contact with iproute2 and nsenter.
 *
 * <p>Until the {@code netlink} module can create namespaces, bridges and veths itself, the testbed
 * scaffolding drives {@code ip} as a subprocess. Everything that does so is in this one class, so
 * that moving to netlink replaces this class and nothing else. Links are always created inside a
 * testbed namespace ({@code ip -n}), never in the machine's root namespace.
 */
final class IpScaffold {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private IpScaffold() {}

    static void addNamespace(String ns) {
        ip("netns", "add", ns);
    }

    /** Deletes a namespace; a namespace that is already gone is not an error. */
    static void deleteNamespace(String ns) {
        ExecResult r = run(List.of("ip", "netns", "delete", ns));
        if (!r.ok() && !r.stderr().contains("No such file")) {
            r.requireOk();
        }
    }

    static void addBridge(String ns, String bridge) {
        ip("-n", ns, "link", "add", bridge, "type", "bridge");
        ip("-n", ns, "link", "set", bridge, "up");
        ip("-n", ns, "link", "set", "lo", "up");
    }

    /**
     * Creates a veth pair with one end {@code fabricLink} on {@code bridge} in {@code fabricNs} and the
     * other end {@code memberLink} in {@code memberNs} carrying {@code cidr}; brings both up.
     */
    static void plugIn(
            String fabricNs, String bridge, String fabricLink, String memberNs, String memberLink, String cidr) {
        ip("-n", fabricNs, "link", "add", fabricLink, "type", "veth", "peer", "name", memberLink, "netns", memberNs);
        ip("-n", fabricNs, "link", "set", fabricLink, "master", bridge);
        ip("-n", fabricNs, "link", "set", fabricLink, "up");
        ip("-n", memberNs, "addr", "add", cidr, "dev", memberLink);
        ip("-n", memberNs, "link", "set", memberLink, "up");
        ip("-n", memberNs, "link", "set", "lo", "up");
    }

    static void setLink(String ns, String link, boolean up) {
        ip("-n", ns, "link", "set", link, up ? "up" : "down");
    }

    /** True when {@code link} in {@code ns} is administratively up. */
    static boolean isLinkUp(String ns, String link) {
        String out = ip("-n", ns, "-o", "link", "show", "dev", link).stdout();
        int open = out.indexOf('<');
        int close = out.indexOf('>', open);
        if (open < 0 || close < 0) {
            throw new TestbedException("unexpected output of ip link show " + link + " in " + ns + ": " + out);
        }
        return List.of(out.substring(open + 1, close).split(",")).contains("UP");
    }

    /** The command line that runs {@code command} inside network namespace {@code ns}. */
    static List<String> inNamespace(String ns, List<String> command) {
        List<String> full = new ArrayList<>(List.of("nsenter", "--net=" + Namespaces.path(ns), "--"));
        full.addAll(command);
        return full;
    }

    private static ExecResult ip(String... args) {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        return run(command).requireOk();
    }

    private static ExecResult run(List<String> command) {
        return Subprocess.run(command, "".getBytes(StandardCharsets.UTF_8), TIMEOUT);
    }
}
