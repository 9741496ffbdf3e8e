package io.shoal.dns.netns;

import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.server.DnsBinding;
import io.shoal.dns.server.DnsServer;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;

/**
 * Binds a {@link DnsServer} at 127.0.0.11 inside one container's network namespace: opens the
 * namespace, sets {@code lo} up, creates the UDP and TCP sockets there and, in {@link
 * Port53#REDIRECT} mode (the default, as Docker), binds a random port and redirects port 53 to it
 * with nftables ({@link DnsRedirect}).
 *
 * <p>Why redirect by default: the container keeps port 53 for a DNS server of its own (on its other
 * addresses or on 127.0.0.11 itself once it stops using ours), as with Docker; clients see no
 * difference. {@link Port53#DIRECT} binds 53 itself and needs no nftables: for kernels or images
 * without it, and for benchmarks that measure the server without NAT.
 */
public final class ContainerDns {
    /** Docker's embedded DNS address, inside every container. */
    public static final Inet4Address ADDRESS = address();

    /** How a binding gets port 53. */
    public enum Port53 {
        /** Random port on 127.0.0.11 plus an nftables DNAT of port 53 to it (Docker's way). */
        REDIRECT,
        /** Port 53 bound directly; no nftables. */
        DIRECT
    }

    private ContainerDns() {}

    /** {@link #bind(DnsServer, Path, DnsScope, Port53)} with {@link Port53#REDIRECT}. */
    public static ContainerDnsBinding bind(DnsServer server, Path netns, DnsScope scope) {
        return bind(server, netns, scope, Port53.REDIRECT);
    }

    /**
     * Serves {@code scope} at 127.0.0.11:53 inside the namespace at {@code netns} (e.g. {@code
     * /proc/<pid>/ns/net}). On failure nothing is left behind.
     *
     * @throws IllegalStateException when the namespace cannot be entered, the address cannot be
     *     bound or the redirect cannot be installed
     */
    public static ContainerDnsBinding bind(DnsServer server, Path netns, DnsScope scope, Port53 mode) {
        if (server == null || netns == null || scope == null || mode == null) {
            throw new IllegalArgumentException("server, netns, scope and mode must not be null");
        }
        if (mode == Port53.REDIRECT && !DnsRedirect.isAvailable()) {
            throw new IllegalStateException("port 53 redirect needs nftables: "
                    + DnsRedirect.unavailabilityCause().getMessage());
        }
        NetNsSocketNamespace ns = NetNsSocketNamespace.openPath(netns);
        DnsBinding binding = null;
        try {
            ns.bringUpLoopback();
            int port = mode == Port53.REDIRECT ? 0 : 53;
            binding = server.bind(new InetSocketAddress(ADDRESS, port), scope, ns);
            if (mode == Port53.REDIRECT) {
                DnsRedirect.install(
                        ns.descriptorPath(), ADDRESS, binding.localAddress().getPort());
            }
            return new ContainerDnsBinding(netns, ns, binding, mode);
        } catch (RuntimeException e) {
            if (binding != null) {
                binding.close();
            }
            ns.close();
            throw e;
        }
    }

    private static Inet4Address address() {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {127, 0, 0, 11});
        } catch (UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
