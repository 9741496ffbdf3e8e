package io.shoal.ingress.proxyprotocol;

import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.shoal.ingress.policy.ProxyProtocol;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Builds the PROXY header the proxy sends to a backend on behalf of a client. */
public final class ProxyHeaders {
    private ProxyHeaders() {}

    /**
     * The header for a TCP (or UDP) connection from {@code client} to {@code local}, the published
     * address it arrived on. When the families differ (an IPv6 client carried in by a trusted
     * balancer to an IPv4 listener), the destination becomes the unspecified address of the
     * client's family, since a header holds one family.
     */
    public static HAProxyMessage header(
            ProxyProtocol version, InetSocketAddress client, InetSocketAddress local, boolean udp) {
        if (version == ProxyProtocol.NONE) {
            throw new IllegalArgumentException("proxy protocol: no header is sent when the mode is none");
        }
        boolean v6 = client.getAddress() instanceof Inet6Address;
        InetAddress dst = local.getAddress();
        String dstText;
        if ((dst instanceof Inet6Address) == v6) {
            dstText = text(dst);
        } else {
            dstText = v6 ? "::" : "0.0.0.0";
        }
        HAProxyProxiedProtocol proto = v6
                ? (udp ? HAProxyProxiedProtocol.UDP6 : HAProxyProxiedProtocol.TCP6)
                : (udp ? HAProxyProxiedProtocol.UDP4 : HAProxyProxiedProtocol.TCP4);
        HAProxyProtocolVersion v = version == ProxyProtocol.V1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2;
        if (v == HAProxyProtocolVersion.V1 && udp) {
            throw new IllegalArgumentException("proxy protocol: v1 cannot describe UDP; use v2");
        }
        return new HAProxyMessage(
                v, HAProxyCommand.PROXY, proto, text(client.getAddress()), dstText, client.getPort(), local.getPort());
    }

    private static String text(InetAddress a) {
        String s = a.getHostAddress();
        int scope = s.indexOf('%');
        return scope < 0 ? s : s.substring(0, scope);
    }
}
