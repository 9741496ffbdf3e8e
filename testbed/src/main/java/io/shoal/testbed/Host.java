package io.shoal.testbed;

import java.io.IOException;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * One member of a testbed: a host, a client or an external load balancer. It is a network namespace
 * with one link, {@code eth0}, plugged into the fabric bridge, and one underlay address.
 *
 * <p>Commands run inside the namespace (network only: they see the machine's files and processes).
 */
public final class Host {
    /** The link inside the member's namespace that leads to the fabric. */
    public static final String UPLINK = "eth0";

    /** What a member stands for. */
    public enum Role {
        /** A Shoal host: runs an agent later. */
        HOST,
        /** A client or an external load balancer in front of the hosts. */
        CLIENT
    }

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final Testbed testbed;
    private final String name;
    private final Role role;
    private final Inet4Address address;

    Host(Testbed testbed, String name, Role role, Inet4Address address) {
        this.testbed = testbed;
        this.name = name;
        this.role = role;
        this.address = address;
    }

    /** Short name within the run: {@code h1}, {@code h2} … for hosts, the given name for clients. */
    public String name() {
        return name;
    }

    /** Host or client. */
    public Role role() {
        return role;
    }

    /** The network namespace, e.g. {@code sbq7k2-h1}. */
    public String namespace() {
        return testbed.prefix().namespace(name);
    }

    /** The underlay address on {@link #UPLINK}, in 198.18.0.0/16. */
    public Inet4Address address() {
        return address;
    }

    /** The fabric-side end of this member's veth, inside the fabric namespace. */
    public String fabricLink() {
        return testbed.prefix().fabricLink(name);
    }

    /**
     * The command line that runs {@code command} inside this member, for callers that start the
     * process themselves (e.g. with the terminal attached).
     */
    public List<String> commandLine(String... command) {
        return NsEnter.commandLine(namespace(), List.of(command));
    }

    /** Runs {@code command} in this member and waits up to a minute for it. */
    public ExecResult exec(String... command) {
        return exec(DEFAULT_TIMEOUT, command);
    }

    /** Runs {@code command} in this member and waits up to {@code timeout} for it. */
    public ExecResult exec(Duration timeout, String... command) {
        return execWithInput("", timeout, command);
    }

    /** Runs {@code command} in this member with {@code input} on its standard input. */
    public ExecResult execWithInput(String input, Duration timeout, String... command) {
        testbed.checkOpen();
        ExecResult r = Subprocess.run(
                NsEnter.commandLine(namespace(), List.of(command)), input.getBytes(StandardCharsets.UTF_8), timeout);
        // Report the command as the caller wrote it, not with the nsenter wrapper.
        return new ExecResult(List.of(command), r.exitCode(), r.stdout(), r.stderr());
    }

    /**
     * Starts a long-running {@code command} in this member. The testbed kills it on close if it is
     * still running.
     */
    public HostProcess start(String... command) {
        testbed.checkOpen();
        Path log = testbed.nextLogFile(name);
        try {
            Files.createDirectories(log.getParent());
            Process p = new ProcessBuilder(NsEnter.commandLine(namespace(), List.of(command)))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            HostProcess hp = new HostProcess(this, List.of(command), p, log);
            testbed.track(hp);
            return hp;
        } catch (IOException e) {
            throw new TestbedException(
                    "cannot start " + String.join(" ", command) + " in " + namespace() + ": " + e.getMessage(), e);
        }
    }

    /** TCP ports on which some process in this member listens. */
    public Set<Integer> listeningTcpPorts() {
        ExecResult r = exec(Duration.ofSeconds(10), "cat", "/proc/net/tcp", "/proc/net/tcp6")
                .requireOk();
        return ProcNetTcp.listeningPorts(r.stdout());
    }

    /**
     * Cuts this member off the fabric, as if its cable were pulled: the fabric side of its veth goes
     * down. The member keeps its address and processes; nothing reaches it and nothing leaves it.
     */
    public void cutOff() {
        testbed.checkOpen();
        Wiring.setLink(testbed.prefix().fabricNamespace(), fabricLink(), false);
    }

    /** Plugs a cut-off member back in. */
    public void heal() {
        testbed.checkOpen();
        Wiring.setLink(testbed.prefix().fabricNamespace(), fabricLink(), true);
    }

    /** True while this member is cut off. */
    public boolean isCutOff() {
        return !Wiring.isLinkUp(testbed.prefix().fabricNamespace(), fabricLink());
    }

    @Override
    public String toString() {
        return name + " (" + namespace() + ", " + address.getHostAddress() + ")";
    }
}
