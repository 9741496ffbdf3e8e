package io.shoal.benchmarks.overlay;

import io.shoal.netlink.ns.NetNs;
import io.shoal.vxlan.ContainerNamespace;
import io.shoal.vxlan.HostUnderlay;
import io.shoal.vxlan.OverlayDriver;
import io.shoal.vxlan.OverlayNetwork;
import io.shoal.vxlan.ReconcileResult;
import io.shoal.vxlan.Remote;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds one host's side of an overlay with Shoal's {@link OverlayDriver} and leaves it in place
 * for {@code throughput.sh} ({@code close()} keeps kernel state); {@code teardown} removes every
 * sandbox with the prefix again.
 *
 * <pre>
 * setup    HOST_NS UNDERLAY_IP DEV PREFIX NETWORK VNI SUBNET CONTAINER_NS IFNAME IP/LEN REMOTE_IP@VTEP...
 * teardown HOST_NS UNDERLAY_IP DEV PREFIX
 * </pre>
 *
 * Launched as a single source file ({@code java -cp <vxlan classpath> ShoalOverlay.java}) because
 * the benchmarks module does not depend on {@code shoal-vxlan} yet.
 */
public final class ShoalOverlay {
    private ShoalOverlay() {}

    /** Entry point; exits 2 on bad usage. */
    public static void main(String[] args) throws Exception {
        if (args.length < 5 || !(args[0].equals("setup") || args[0].equals("teardown"))) {
            System.err.println("usage: setup HOST_NS UNDERLAY_IP DEV PREFIX NETWORK VNI SUBNET CONTAINER_NS IFNAME"
                    + " IP/LEN REMOTE_IP@VTEP... | teardown HOST_NS UNDERLAY_IP DEV PREFIX");
            System.exit(2);
        }
        try (NetNs host = NetNs.open(args[1])) {
            HostUnderlay underlay = new HostUnderlay(host, ipv4("underlay ip", args[2]), args[3]);
            try (OverlayDriver driver = OverlayDriver.open(underlay, args[4])) {
                if (args[0].equals("teardown")) {
                    ReconcileResult r = driver.reconcile(List.of());
                    System.out.println("removed " + r.networksRemoved() + " sandbox(es) with prefix " + args[4]);
                    return;
                }
                if (args.length < 11) {
                    throw new IllegalArgumentException(
                            "setup needs at least 11 arguments, got " + args.length + ": " + Arrays.toString(args));
                }
                OverlayNetwork net = driver.ensureNetwork(args[5], Integer.parseInt(args[6]), args[7]);
                driver.attach(args[5], ContainerNamespace.path(Path.of(args[8])), args[9], args[10]);
                Set<Remote> remotes = new HashSet<>();
                for (int i = 11; i < args.length; i++) {
                    String[] parts = args[i].split("@", -1);
                    if (parts.length != 2) {
                        throw new IllegalArgumentException("remote must be IP@VTEP, was \"" + args[i] + "\"");
                    }
                    remotes.add(Remote.of(ipv4("remote ip", parts[0]), ipv4("remote vtep", parts[1])));
                }
                driver.syncRemotes(args[5], remotes);
                System.out.println("shoal overlay " + net + " on " + args[1] + ", endpoint " + args[10] + ", "
                        + remotes.size() + " remote(s)");
            }
        }
    }

    /** Parses a dotted quad without DNS lookups. */
    static Inet4Address ipv4(String field, String text) throws Exception {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException(field + " must be a dotted IPv4 address, was \"" + text + "\"");
        }
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            int v = Integer.parseInt(parts[i]);
            if (v < 0 || v > 255) {
                throw new IllegalArgumentException(field + " must be a dotted IPv4 address, was \"" + text + "\"");
            }
            b[i] = (byte) v;
        }
        return (Inet4Address) InetAddress.getByAddress(b);
    }
}
